"""The sandbox hub isolates: driven over its REST API and kernel websockets (token as a header).

One hub serves the whole module; analyst and banker get servers, outsider (no approved project)
does not. Every probe from a kernel aims only at loopback and at addresses of the namespaces
this suite created.
"""

from __future__ import annotations

import errno
import json
import subprocess
import textwrap
from datetime import timedelta

import httpx
import pytest

from lab.db import transaction
from lab.db.models import ApiToken, PrivacyBudget
from lab.identity import TokenKind
from lab.identity.accounts import get_user, issue_token
from sandbox.accounts import unix_name
from sandbox.cgroups import PARENT, detect_layout
from tests.fixtures.sandbox_hub import (
    SandboxWorld,
    skip_unless_isolation_possible,
    start_sandbox,
    stop_sandbox,
)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def world():
    skip_unless_isolation_possible()
    started = start_sandbox("isolation")
    yield started
    stop_sandbox(started)


@pytest.fixture(scope="module")
def analyst(world: SandboxWorld):
    """analyst's running server and a token of analyst's for it."""
    seconds = world.client.start_server("analyst")
    return {"token": world.client.user_token("analyst"), "spawn_seconds": seconds}


@pytest.fixture(scope="module")
def banker(world: SandboxWorld):
    """banker's running server, started for the second of banker's two projects."""
    world.client.start_server("banker", project=world.projects["banker"][1])
    return {"token": world.client.user_token("banker")}


def run(world: SandboxWorld, user: dict, code: str, name: str = "analyst", **kwargs):
    outcome = world.client.execute(name, user["token"], textwrap.dedent(code), **kwargs)
    assert not outcome.error, outcome.traceback
    return outcome


def test_hub_answers(world: SandboxWorld) -> None:
    """1: the hub's REST API answers with its version."""
    answer = httpx.get(f"{world.hub.layout.url}/hub/api/", timeout=10)
    assert answer.status_code == 200 and answer.json()["version"].startswith("6.")


def test_member_server_starts_within_60_seconds(world: SandboxWorld, analyst: dict) -> None:
    """2: a project member's server is ready within 60 s of the request."""
    assert analyst["spawn_seconds"] < 60
    assert world.client.server_model("analyst")["ready"] is True


def test_cell_runs_and_prints(world: SandboxWorld, analyst: dict) -> None:
    """3: a cell executes in the kernel and its print comes back over the websocket."""
    outcome = run(world, analyst, "print(6 * 7)")
    assert outcome.stdout.strip() == "42"


def test_restricted_data_and_object_store_absent(world: SandboxWorld, analyst: dict) -> None:
    """4: the lab's data directory, database, objects and keyring do not exist in the kernel."""
    settings = world.settings
    paths = [
        settings.home,
        settings.resolved_storage_dir,
        settings.resolved_keyring_file,
        settings.home / "lab.db",
        settings.sandbox_kernel_envs.parent / "homes",
        "/root",
        "/var/lib/postgresql",
    ]
    outcome = run(
        world, analyst, f"import os; print([os.path.exists(p) for p in {list(map(str, paths))!r}])"
    )
    assert outcome.stdout.strip() == str([False] * len(paths))
    assert settings.resolved_storage_dir.is_dir()  # it exists on the host, just not inside


def test_other_users_homes_absent(world: SandboxWorld, analyst: dict, banker: dict) -> None:
    """5: analyst's kernel sees only its own home; banker's home is absent."""
    banker_home = world.settings.sandbox_root / "homes" / unix_name("banker")
    outcome = run(
        world,
        analyst,
        f"import os; print(os.listdir('/home'), os.path.exists({str(banker_home)!r}))",
    )
    assert outcome.stdout.strip() == f"['{unix_name('analyst')}'] False"
    assert banker_home.is_dir()


def test_hub_state_absent(world: SandboxWorld, analyst: dict) -> None:
    """6: the hub's database, cookie secret, admin token and config are absent in the kernel."""
    state = world.hub.layout.state_dir
    files = ["jupyterhub.sqlite", "jupyterhub_cookie_secret", "admin_token", "jupyterhub_config.py"]
    paths = [str(state), *(str(state / f) for f in files)]
    assert all((state / f).exists() for f in files)
    assert all((state / f).stat().st_mode & 0o077 == 0 for f in files)  # umask 077, 0700 dir
    assert state.stat().st_mode & 0o777 == 0o700
    outcome = run(world, analyst, f"import os; print(any(os.path.exists(p) for p in {paths!r}))")
    assert outcome.stdout.strip() == "False"


def test_writes_outside_home_fail(world: SandboxWorld, analyst: dict) -> None:
    """7: writing anywhere but the home fails; writing in the home works."""
    env = str(world.hub.layout.state_dir)  # any host path: absent, so not creatable either
    code = f"""
    import os
    targets = ["/x", "/usr/x", "/etc/x", "/home/x", "/bin/x", "/dev/shm/x", "/var/x",
               os.path.dirname(os.__file__) + "/x", {env!r} + "/x",
               os.environ["PATH"].split(":")[0] + "/x"]
    written = []
    for target in targets:
        try:
            with open(target, "w") as handle:
                handle.write("x")
            written.append(target)
        except OSError:
            pass
    with open(os.path.expanduser("~/mine.txt"), "w") as handle:
        handle.write("ok")
    print(written, open(os.path.expanduser("~/mine.txt")).read())
    """
    assert run(world, analyst, code).stdout.strip() == "[] ok"


def test_gateway_answers_dp_query_with_users_budget(world: SandboxWorld, analyst: dict) -> None:
    """8: the SDK in the kernel gets a DP release charged to analyst's project budget."""
    code = """
    from sandbox.client import Lab
    lab = Lab()
    frame = lab.query('SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"', epsilon=0.5)
    print(len(frame), frame.attrs["budget_left"], lab.budget()["remaining"].tolist())
    """
    assert run(world, analyst, code).stdout.split() == ["10", "2.5", "[2.5]"]
    with world.lab.sessions() as session:  # the ledger in the lab's database agrees
        budget = session.query(PrivacyBudget).filter_by(project_id=world.projects["analyst"][0])
        assert budget.one().spent_micro == 500_000


def _listening_ports() -> list[int]:
    lines = subprocess.run(["ss", "-Htln"], capture_output=True, text=True, check=True).stdout
    return sorted({int(line.split()[3].rsplit(":", 1)[1]) for line in lines.splitlines()})


PROBE = """
import json, selectors, socket, time
def probe(targets, wait=3.0):
    chosen, pending, result = selectors.DefaultSelector(), {}, {}
    for host, port in targets:
        s = socket.socket(); s.setblocking(False)
        code = s.connect_ex((host, port))
        if code in (0, 115):
            pending[s] = (host, port); chosen.register(s, selectors.EVENT_WRITE)
        else:
            result[f"{host}:{port}"] = code; s.close()
    deadline = time.monotonic() + wait
    while pending and time.monotonic() < deadline:
        for key, _ in chosen.select(deadline - time.monotonic()):
            s = key.fileobj; chosen.unregister(s)
            result["%s:%d" % pending.pop(s)] = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            s.close()
    for s, (host, port) in pending.items():
        result[f"{host}:{port}"] = "timeout"; s.close()
    return result
"""


def test_host_ports_unreachable_from_kernel(world: SandboxWorld, analyst: dict) -> None:
    """9: every listening host port is refused or silent on loopback and the bridge address,
    except the hub API and the gateway relay on the bridge address."""
    layout = world.hub.layout
    hub = layout.network.hub_address
    ports = sorted({*_listening_ports(), 5432, world.settings.port, layout.proxy_api_port})
    assert {5432, world.settings.port, layout.proxy_api_port, layout.public_port} <= set(ports)
    targets = [(host, port) for host in ("127.0.0.1", hub) for port in ports]
    outcome = run(world, analyst, PROBE + f"print(json.dumps(probe({targets!r})))", timeout=90)
    result = json.loads(outcome.stdout)
    open_ = sorted(target for target, code in result.items() if code == 0)
    assert open_ == sorted(f"{hub}:{port}" for port in layout.kernel_ports)
    assert all(
        code in ("timeout", errno.ECONNREFUSED, errno.EHOSTUNREACH)
        for target, code in result.items()
        if code != 0
    )


def test_other_users_server_unreachable(world: SandboxWorld, analyst: dict, banker: dict) -> None:
    """10: analyst's kernel cannot connect to banker's server (isolated bridge ports)."""
    banker_ip = world.client.server_model("banker")["state"]["namespace"]
    address = world.hub.layout.network.namespace(int(banker_ip.rsplit("-", 1)[1])).address
    assert httpx.get(f"http://{address}:8888/", timeout=5).status_code in (200, 302, 403, 404)
    outcome = run(world, analyst, PROBE + f"print(json.dumps(probe([({address!r}, 8888)])))")
    assert json.loads(outcome.stdout)[f"{address}:8888"] != 0


def test_namespace_has_no_route_out(world: SandboxWorld, analyst: dict) -> None:
    """11: the kernel's routing table holds only the bridge subnet: no default route."""
    code = "print(open('/proc/net/route').read())"
    rows = [line.split() for line in run(world, analyst, code).stdout.strip().splitlines()[1:]]
    subnet_hex = world.hub.layout.network.hub_address.split(".")
    expected = "".join(f"{int(part):02X}" for part in reversed([*subnet_hex[:3], "0"]))
    assert [(row[0], row[1]) for row in rows] == [("eth0", expected)]
    assert all(row[1] != "00000000" for row in rows)


def test_nested_user_namespaces_fail(world: SandboxWorld, analyst: dict) -> None:
    """12: unshare(CLONE_NEWUSER) fails inside the sandbox (bwrap --disable-userns)."""
    code = """
    import ctypes, subprocess
    libc = ctypes.CDLL(None, use_errno=True)
    print(libc.unshare(0x10000000), ctypes.get_errno() != 0,
          subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0)
    """
    assert run(world, analyst, code).stdout.split() == ["-1", "True", "True"]


def test_kernel_sees_only_its_own_processes(world: SandboxWorld, analyst: dict) -> None:
    """13: /proc lists only the sandbox's few processes, none of the host's."""
    code = """
    import json, os
    pids = [p for p in os.listdir('/proc') if p.isdigit()]
    print(json.dumps(sorted(open(f'/proc/{p}/comm').read().strip() for p in pids)))
    """
    names = json.loads(run(world, analyst, code).stdout)
    assert names == ["bwrap", "jupyterhub-sing", "python"]  # bwrap's init, server, this kernel


def test_fork_bomb_stops_at_process_limit(world: SandboxWorld, analyst: dict) -> None:
    """14: forking without end fails with EAGAIN below the server's process limit."""
    code = """
    import os, time
    children, failure = [], None
    try:
        for _ in range(5000):
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            children.append(pid)
    except OSError as error:
        failure = error.errno
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    print(len(children), failure)
    """
    count, failure = run(world, analyst, code, timeout=120).stdout.split()
    assert int(failure) == errno.EAGAIN
    assert int(count) < world.settings.sandbox_max_processes
    assert run(world, analyst, "print('alive')").stdout.strip() == "alive"


def test_memory_limit_kills_kernel_not_server(world: SandboxWorld, analyst: dict) -> None:
    """15: allocating past the memory limit kills the kernel; the server keeps answering."""
    client = world.client
    kernel = client.new_kernel("analyst", analyst["token"])
    limit = world.settings.sandbox_memory_mb * 1024 * 1024
    with pytest.raises(TimeoutError):
        client.execute("analyst", analyst["token"], f"x = b'1' * {limit + 64 * 2**20}",
                       kernel=kernel, timeout=10)  # fmt: skip
    status = client.server_get("analyst", "/api/status", analyst["token"])
    assert status.status_code == 200
    assert run(world, analyst, "print('server alive')").stdout.strip() == "server alive"
    namespace = client.server_model("analyst")["state"]["namespace"]
    layout = detect_layout()
    if layout.unified:
        events = (layout.memory / PARENT / namespace / "memory.events").read_text()
    else:
        events = (layout.memory / PARENT / namespace / "memory.oom_control").read_text()
    assert dict(line.split() for line in events.splitlines())["oom_kill"] != "0"


def test_gateway_refuses_bad_tokens_from_kernel(world: SandboxWorld, analyst: dict) -> None:
    """19: from the kernel, the gateway refuses no token, another user's token for analyst's
    project, and a non-sandbox token of analyst's own."""
    project = world.projects["analyst"][0]
    with transaction(world.lab.sessions) as session:

        def token(username: str, kind: TokenKind) -> str:
            user = get_user(session, username)
            return issue_token(session, world.lab.audit, actor="t", user=user, kind=kind,
                               name="t", scopes=[f"project:{project}"],
                               lifetime=timedelta(hours=1)).plain  # fmt: skip

        foreign, api = token("outsider", TokenKind.SANDBOX), token("analyst", TokenKind.API)
    code = f"""
    import os, urllib.request, urllib.error
    url = os.environ["DATALAB_GATEWAY_URL"] + "/api/gateway/budget"
    def status(token):
        request = urllib.request.Request(url)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code
    print(status(None), status({foreign!r}), status({api!r}),
          status(os.environ["DATALAB_GATEWAY_TOKEN"]))
    """
    assert run(world, analyst, code).stdout.split() == ["401", "403", "403", "200"]


def test_kernel_holds_no_credentials_or_drivers(world: SandboxWorld, analyst: dict) -> None:
    """The kernel's environment has only the gateway token: no keys, no DB or storage clients."""
    code = """
    import importlib.util, os
    drivers = ["psycopg", "psycopg2", "minio", "boto3", "duckdb", "pymysql", "redis", "lab"]
    print(sorted(k for k in os.environ if k.startswith("DATALAB")),
          [d for d in drivers if importlib.util.find_spec(d)])
    """
    out = run(world, analyst, code).stdout.strip()
    assert out == "['DATALAB_GATEWAY_TOKEN', 'DATALAB_GATEWAY_URL', 'DATALAB_SANDBOX_PROJECT'] []"


def test_project_is_chosen_at_spawn(world: SandboxWorld, banker: dict) -> None:
    """With two projects, the kernel's token is scoped to the one chosen at spawn."""
    chosen = world.projects["banker"][1]
    code = "import os; print(os.environ['DATALAB_SANDBOX_PROJECT'])"
    assert run(world, banker, code, name="banker").stdout.strip() == str(chosen)


def test_user_without_project_gets_no_server(world: SandboxWorld) -> None:
    """18: a lab user whose organisation has no approved project is refused, clearly."""
    answer = world.client.request_server("outsider")
    assert answer.status_code == 403
    assert "no approved sandbox project" in answer.json()["message"]
    assert world.client.server_model("outsider") is None


def test_stopping_a_server_leaves_nothing_behind(world: SandboxWorld, banker: dict) -> None:
    """16: after stop, banker has no process, namespace, cgroup or live gateway token left."""
    state = world.client.server_model("banker")["state"]
    world.client.stop_server("banker")
    processes = subprocess.run(["pgrep", "-u", unix_name("banker")], capture_output=True)
    assert processes.stdout == b"", subprocess.run(
        ["ps", "-fu", unix_name("banker")], capture_output=True, text=True
    ).stdout
    assert state["namespace"] not in world.hub.layout.network.namespaces()
    layout = detect_layout()
    assert not (layout.memory / PARENT / state["cgroup"]).exists()
    assert not (layout.pids / PARENT / state["cgroup"]).exists()
    with world.lab.sessions() as session:
        token = session.query(ApiToken).filter_by(prefix=state["token"]).one()
        assert token.revoked_at is not None
