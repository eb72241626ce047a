"""Idle culling with lowered intervals: idle servers go, servers in use stay."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fixtures.sandbox_hub import skip_unless_isolation_possible, start_sandbox, stop_sandbox

pytestmark = pytest.mark.timeout(300)
CULL_TIMEOUT = 20


@pytest.fixture(scope="module")
def world():
    skip_unless_isolation_possible()
    started = start_sandbox("culling", sandbox_cull_timeout=CULL_TIMEOUT, sandbox_cull_every=5)
    yield started
    stop_sandbox(started)


def test_idle_server_is_culled_and_active_one_is_not(world) -> None:
    """17: with a 20 s timeout (activity every 5 s), an idle server is culled; one whose kernel
    keeps working past the timeout is not."""
    client = world.client
    client.start_server("analyst")
    client.start_server("banker", project=world.projects["banker"][0])
    token = client.user_token("banker")
    busy_seconds = 2 * CULL_TIMEOUT + 5
    code = (
        f"import time\nfor i in range({busy_seconds}):\n    print(i, flush=True)\n    time.sleep(1)"
    )
    worker = threading.Thread(
        target=client.execute, args=("banker", token, code), kwargs={"timeout": busy_seconds + 30}
    )
    worker.start()
    deadline = time.monotonic() + busy_seconds
    culled_after = None
    started = time.monotonic()
    while time.monotonic() < deadline:
        if culled_after is None and client.server_model("analyst") is None:
            culled_after = time.monotonic() - started
        time.sleep(1)
    worker.join()
    assert culled_after is not None and culled_after < CULL_TIMEOUT + 20
    assert client.server_model("banker") is not None, "a server in use was culled"
