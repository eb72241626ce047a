"""Several server processes on one database: the audit chain, the query log and the caps hold."""

from __future__ import annotations

import os
import subprocess
import sys

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
                                   consent_id=consent, level="score", operator=name)
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
    verified = subprocess.run(
        [sys.executable, "-m", "lab.cli", "audit", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit chain ok" in verified.stdout
    with world.lab.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CreditQuery)) == 100
        assert session.get(CreditConsent, consent_id).queries_used == 70
    actions = [r.action for r in world.lab.audit.records()]
    assert actions.count("credit.query") == 100 and actions.count("test.other") == 20
