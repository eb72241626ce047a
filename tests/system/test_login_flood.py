"""A flood of failed sign-ins against a live server must not freeze the rest of the lab.

The red team's 20 concurrent wrong-password logins made ``/healthz`` and the gateway answer 500
after 30 s: each login held its pooled connection while waiting for a second one. Here 200 go
at once (loopback only) while ``/healthz``, the gateway budget and a DP query keep being asked;
their latency is compared with the same calls measured just before, in the same test.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time

import httpx
import pytest

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.system.live_server import serving
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token

FLOOD = 200
UNTHROTTLED_FLOOD = 40  # every one of these runs argon2 (~0.1 s of a core each)
SLOWDOWN_ALLOWED = 30  # generous: two shared cores also run argon2 for the admitted attempts


# A DP query through the whole gateway path (plan, ledger, answer); after its first answer the
# ledger returns it from the release cache, free, so every probe can ask it again.
QUERY = {"dataset": "tax", "sql": 'SELECT COUNT(*) FROM "tax"', "epsilon": 0.1}


def _probe(url: str, token: str) -> tuple[int, float]:
    # health anonymously; the gateway with the sandbox token (confined to the gateway's routes)
    gateway = {"Authorization": f"Bearer {token}"}
    asks = (
        ("GET", "/healthz", {}, None),
        ("GET", "/api/gateway/budget", gateway, None),
        ("POST", "/api/gateway/query", gateway, QUERY),
    )
    worst, statuses = 0.0, set()
    with httpx.Client(base_url=url, timeout=60) as client:
        for method, path, headers, body in asks:
            started = time.perf_counter()
            answer = client.request(method, path, headers=headers, json=body)
            worst = max(worst, time.perf_counter() - started)
            statuses.add(answer.status_code)
    return max(statuses), worst


async def _flood(url: str, size: int) -> list[int]:
    limits = httpx.Limits(max_connections=size)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    "/auth/login", data={"username": f"user{i % 10}", "password": "wrong guess!"}
                )
                for i in range(size)
            )
        )
    return [a.status_code for a in answers]


def _flood_while_probing(
    url: str, token: str, size: int
) -> tuple[list[int], list[tuple[int, float]]]:
    probes: list[tuple[int, float]] = []
    done = threading.Event()

    def keep_probing() -> None:
        while not done.is_set():
            probes.append(_probe(url, token))
            time.sleep(0.05)

    prober = threading.Thread(target=keep_probing)
    prober.start()
    try:
        statuses = asyncio.run(_flood(url, size))
    finally:
        done.set()
        prober.join()
    return statuses, probes


def _lab_with_gateway(settings: LabSettings, tmp_path) -> tuple[LabServices, str]:
    lab = open_services(settings)
    publish_tax_table(lab, tmp_path)
    token = sandbox_token(lab)
    with transaction(lab.sessions) as s:
        create_user(
            s, lab.audit, actor="t", username="user0", roles=[Role.ANALYST], password="x" * 12
        )
    return lab, token


@pytest.mark.parametrize("throttled", [True, False], ids=["default-limits", "limits-off"])
def test_failed_login_flood_leaves_health_and_gateway_answering(
    lab_settings: LabSettings, tmp_path, throttled: bool
) -> None:
    """200 concurrent wrong passwords: no 5xx anywhere, health, budget and a query stay quick."""
    size = FLOOD if throttled else UNTHROTTLED_FLOOD
    if not throttled:  # every attempt reaches argon2: the pool and threads must still hold
        lab_settings = lab_settings.model_copy(
            update={"signin_per_address": 10_000, "signin_per_account": 10_000}
        )
    lab, token = _lab_with_gateway(lab_settings, tmp_path)
    try:
        with serving(lab) as url:
            normal = [_probe(url, token) for _ in range(10)]
            assert {status for status, _ in normal} == {200}
            typical = statistics.median(latency for _, latency in normal)
            statuses, probes = _flood_while_probing(url, token, size)
            after = _probe(url, token)
    finally:
        lab.close()
    assert len(statuses) == size and set(statuses) <= ({401, 429} if throttled else {401})
    if throttled:
        assert statuses.count(429) >= size - lab_settings.signin_per_address
    assert probes and all(status == 200 for status, _ in [*probes, after])
    worst = max(latency for _, latency in probes)
    print(f"flood of {size}: {len(probes)} probes, worst {worst:.3f} s, typical {typical:.3f} s")
    assert worst <= max(SLOWDOWN_ALLOWED * typical, 3.0), (worst, typical)


def test_sign_ins_waiting_for_a_password_check_are_bounded(tmp_path) -> None:
    """Past ``signin_queue`` waiting checks, further sign-ins get 429 at once, not a long queue."""
    settings = LabSettings(
        home=tmp_path / "home",
        signin_per_address=10_000,
        signin_per_account=10_000,
        signin_hashing_threads=1,
        signin_queue=2,
    )
    lab = open_services(settings)
    try:
        with serving(lab) as url:
            statuses = asyncio.run(_flood(url, 30))
    finally:
        lab.close()
    assert set(statuses) == {401, 429} and statuses.count(401) >= settings.signin_queue
