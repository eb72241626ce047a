"""Attacks from inside a sandbox, through the real hub, proxy, relay and lab (issue 13).

An analyst who controls their server tries to catch a steward's lab session when the steward
opens a link to the analyst's server, and to use a stolen session or the kernel's own gateway
token on lab routes beyond the DP gateway. Each step must fail.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import httpx
import pytest

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from tests.fixtures.sandbox_hub import (
    PASSWORD,
    SandboxWorld,
    skip_unless_isolation_possible,
    start_sandbox,
    stop_sandbox,
)

pytestmark = pytest.mark.timeout(300)
CHROMIUM = "/usr/bin/chromium"
LAB_ROUTES = [
    ("POST", "/api/credit/profiles"),
    ("GET", "/api/credit/bank/consents"),
    ("GET", "/api/credit/consent-requests"),
    ("GET", "/api/projects"),
    ("GET", "/api/credit/outcomes"),
    ("POST", "/auth/login"),
    ("GET", "/auth/me"),
    ("GET", "/steward/"),
    ("GET", "/steward/versions/1"),
]


@pytest.fixture(scope="module")
def world():
    skip_unless_isolation_possible()
    started = start_sandbox("attacks")
    with transaction(started.lab.sessions) as s:
        create_user(s, started.lab.audit, actor="t", username="steward", roles=[Role.STEWARD],
                    password=PASSWORD)  # fmt: skip
    yield started
    stop_sandbox(started)


@pytest.fixture(scope="module")
def analyst(world: SandboxWorld) -> dict:
    world.client.start_server("analyst")
    return {"token": world.client.user_token("analyst")}


@pytest.fixture(scope="module")
def steward_cookie(world: SandboxWorld) -> str:
    """A real lab session of the steward, from the lab's sign-in route."""
    answer = httpx.post(
        f"{world.lab_url}/auth/login", data={"username": "steward", "password": PASSWORD}
    )
    assert answer.status_code == 200
    cookie = answer.cookies["datalab_session"]
    assert httpx.get(f"{world.lab_url}/steward/", cookies={"datalab_session": cookie}).is_success
    return cookie


def run(world: SandboxWorld, user: dict, code: str, **kwargs) -> str:
    outcome = world.client.execute("analyst", user["token"], textwrap.dedent(code), **kwargs)
    assert not outcome.error, outcome.traceback
    return outcome.stdout


def _proxy_api_token(world: SandboxWorld) -> str:
    pid = (world.hub.layout.state_dir / "proxy.pid").read_text().strip()
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    return pairs["CONFIGPROXY_AUTH_TOKEN"]


LISTENER = """
import socket, threading
captured = []
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 8889))
listener.listen(1)
def serve():
    connection, _ = listener.accept()
    data = b""
    while b"\\r\\n\\r\\n" not in data:
        data += connection.recv(65536)
    captured.append(data.decode("latin-1"))
    head = b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n"
    connection.sendall(head + b"ok")
    connection.close()
    listener.close()
threading.Thread(target=serve, daemon=True).start()
print("listening")
"""


def test_lab_cookie_not_forwarded_to_user_server(
    world: SandboxWorld, analyst: dict, steward_cookie: str
) -> None:
    """(a) A kernel-side listener behind the hub's proxy never receives the lab's session."""
    client, layout = world.client, world.hub.layout
    kernel = client.new_kernel("analyst", analyst["token"])
    try:
        assert run(world, analyst, LISTENER, kernel=kernel).strip() == "listening"
        namespace = client.server_model("analyst")["state"]["namespace"]
        address = layout.network.namespace(int(namespace.rsplit("-", 1)[1])).address
        route = httpx.post(
            f"http://127.0.0.1:{layout.proxy_api_port}/api/routes/user/analyst/capture",
            headers={"Authorization": f"token {_proxy_api_token(world)}"},
            json={"target": f"http://{address}:8889"},
        )
        assert route.status_code == 201
        cookies = f"datalab_session={steward_cookie}; jupyterhub-session-id=abc; _xsrf=x"
        answer = httpx.get(f"{layout.url}/user/analyst/capture/", headers={"Cookie": cookies})
        assert answer.text == "ok"
        captured = run(world, analyst, "print(captured[0])", kernel=kernel)
    finally:
        client.delete_kernel("analyst", analyst["token"], kernel)
    assert "jupyterhub-session-id=abc" in captured  # the capture works: the hub's cookie arrives
    assert "datalab_session" not in captured and steward_cookie not in captured


def test_browser_sends_no_lab_cookie_to_the_hub(world: SandboxWorld, steward_cookie: str) -> None:
    """(a) Signed in to the lab, Chromium sends no lab cookie when it opens the hub."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Debian chromium")
    from playwright.sync_api import sync_playwright

    hub = world.hub.layout.browser_url
    sent: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        page = context.new_page()
        signed_in = context.request.post(
            f"{world.lab_url}/auth/login", form={"username": "steward", "password": PASSWORD}
        )
        assert signed_in.ok
        assert any(c["name"] == "datalab_session" for c in context.cookies(world.lab_url))
        page.on("request", lambda request: sent.append(request.all_headers().get("cookie", "")))
        page.goto(f"{hub}/user/analyst/tree")
        browser.close()
    assert sent and not any("datalab" in cookie for cookie in sent)


def test_relay_refuses_lab_routes_even_with_stolen_session(
    world: SandboxWorld, analyst: dict, steward_cookie: str
) -> None:
    """(c) From the kernel, lab routes answer 404/405 through the relay, whatever credential;
    the gateway still serves the kernel's own token and not the stolen session."""
    code = f"""
    import json, os, urllib.request, urllib.error
    base, own = os.environ["DATALAB_GATEWAY_URL"], os.environ["DATALAB_GATEWAY_TOKEN"]
    def status(method, path, headers):
        data = b"{{}}" if method == "POST" else None
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code
    stolen = {{"Cookie": "datalab_session={steward_cookie}"}}
    bearer = {{"Authorization": "Bearer " + own, "Content-Type": "application/json"}}
    print(json.dumps({{
        "lab": [[status(m, p, stolen), status(m, p, bearer)] for m, p in {LAB_ROUTES!r}],
        "gateway_own": status("GET", "/api/gateway/budget", bearer),
        "gateway_stolen": status("GET", "/api/gateway/budget", stolen),
    }}))
    """
    result = json.loads(run(world, analyst, code))
    assert all(code in (404, 405) for pair in result["lab"] for code in pair), result
    assert result["gateway_own"] == 200
    assert result["gateway_stolen"] == 401


PLANT = """
import json, os, site
home = os.path.expanduser("~")
def marker(where):
    return f"open({home!r} + '/planted-{where}', 'w').close()\\n"
files = {
    ".jupyter/jupyter_server_config.py": marker("dot-jupyter"),
    ".jupyter/jupyter_config.py": marker("dot-jupyter-base"),
    "jupyter_server_config.py": marker("cwd"),
    "jupyter_config.py": marker("cwd-base"),
    ".local/etc/jupyter/jupyter_server_config.py": marker("user-site-etc"),
    os.path.relpath(site.getusersitepackages(), home) + "/usercustomize.py": marker("user-site"),
    ".jupyter/jupyter_server_config.json":
        json.dumps({"ServerApp": {"tornado_settings": {"headers": {"X-Planted": "json"}}}}),
}
for name, text in files.items():
    path = os.path.join(home, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
print(len(files))
"""


def test_planted_server_config_has_no_effect_after_restart(
    world: SandboxWorld, analyst: dict
) -> None:
    """(b) Config planted in ~/.jupyter, the home (cwd) and the user site is not loaded after a
    server restart: no marker written, no planted response header."""
    assert run(world, analyst, PLANT).strip() == "7"
    world.client.stop_server("analyst")
    world.client.start_server("analyst")
    status = world.client.server_get("analyst", "/api/status", analyst["token"])
    assert status.status_code == 200 and "x-planted" not in status.headers
    listing = "import os, glob; print(sorted(os.path.basename(p) for p in glob.glob(os.path.expanduser('~/planted-*'))))"  # noqa: E501
    assert run(world, analyst, listing).strip() == "[]"
