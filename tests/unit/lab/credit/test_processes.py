"""Several server processes on one database: the audit chain, the query log and the caps hold."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from lab.db.models import CreditConsent, CreditQuery
from tests.unit.lab.credit.conftest import BANK, CreditWorld, grant

PROCESS_SCRIPT = """
import sys
from sqlalchemy import select
from lab.credit.access import ProfileRequest, answer_profile_request
from lab.db.models import Organisation
from lab.services import open_services
from lab.settings import LabSettings

home, url, bank_name, code, consent_id, name = sys.argv[1:7]
lab = open_services(
    LabSettings(home=home, database_url=url, credit_operator_per_minute=100_000,
                credit_bank_per_minute=100_000),
    migrate=False,
)
with lab.sessions() as session:
    bank = session.scalar(select(Organisation).where(Organisation.name == bank_name))
    session.expunge(bank)
served = 0
for index in range(25):
    consent = consent_id if index % 5 else "cst_none"
    request = ProfileRequest.parse(credit_code=code, purpose="loan_application",
                                   consent_id=consent, level="score")
    answer = answer_profile_request(lab, bank=bank, caller=name, request=request,
                                    request_id=f"{name}-{index}")
    served += answer.body is not None
    if index % 5 == 0:  # another kind of audited action, through the generic append
        lab.audit.append(actor=name, action="test.other", target=str(index))
print(served)
"""


def test_processes_appending_at_once_leave_a_verifying_chain(world: CreditWorld) -> None:
    """Four processes serve profile requests (and append other audit entries) on one database
    at once; afterwards ``datalab audit verify`` passes, every call has its query-log row, and
    the consent counted exactly the served calls, within its cap."""
    consent_id = grant(world, query_cap=70)["consent"]["consent_id"]
    settings = world.lab.settings
    url = world.lab.engine.url.render_as_string(hide_password=False)
    args = [str(settings.home), url, BANK, world.code, consent_id]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, *args, f"proc-{n}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    served = [int(w.communicate(timeout=300)[0].strip()) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0]
    assert sum(served) == 70  # 80 calls under the consent, capped at 70
    environment = {**os.environ, "DATALAB_HOME": str(settings.home), "DATALAB_DATABASE_URL": url}
    assert "audit chain ok" in _verified_chain(environment)
    with world.lab.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CreditQuery)) == 100
        assert session.get(CreditConsent, consent_id).queries_used == 70
    actions = [r.action for r in world.lab.audit.records()]
    assert actions.count("credit.query") == 100 and actions.count("test.other") == 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, headers: dict[str, str], body: dict) -> int:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
        url,
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def test_serve_with_two_workers_answers_and_keeps_the_chain(world: CreditWorld) -> None:
    """``datalab serve --workers 2`` runs two worker processes on the world's database; 40
    concurrent profile calls (half under a consent capped at 10) are all answered, exactly 10
    served, and ``datalab audit verify`` passes afterwards."""
    consent_id = grant(world, query_cap=10)["consent"]["consent_id"]
    settings, port = world.lab.settings, _free_port()
    url = world.lab.engine.url.render_as_string(hide_password=False)
    environment = {
        **os.environ,
        "DATALAB_HOME": str(settings.home),
        "DATALAB_DATABASE_URL": url,
        "DATALAB_CREDIT_OPERATOR_PER_MINUTE": "1000",
    }
    command = [sys.executable, "-m", "lab.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert sum(b"spawn_main" in command for command in commands) == 2  # the two workers
        body = {
            "credit_code": world.code,
            "purpose": "loan_application",
            "level": "score",
        }
        calls = [{**body, "consent_id": consent_id if i % 2 else "cst_none"} for i in range(40)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(
                    lambda c: _post(f"{base}/api/credit/profiles", world.bank_headers, c), calls
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert sorted(codes) == [200] * 10 + [404] * 30
    environment.pop("DATALAB_CREDIT_OPERATOR_PER_MINUTE")
    _verified_chain(environment)
    assert world.lab.audit.verify().ok


def _verified_chain(environment: dict[str, str]) -> str:
    """``datalab audit verify`` run as its own process must pass; returns what it printed."""
    verified = subprocess.run(
        [sys.executable, "-m", "lab.cli", "audit", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return verified.stdout
