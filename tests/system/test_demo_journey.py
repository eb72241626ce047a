"""`datalab demo` on its defaults: prepares, serves, answers /healthz, lets demo users in."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx

from lab.demo.accounts import DEMO_LOGINS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_url(process: subprocess.Popen, deadline: float) -> str:
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen += line
        if match := re.search(r"serving at (http://127\.0\.0\.1:\d+)", line):
            return match[1]
        assert process.poll() is None, f"demo exited early:\n{seen}"
    raise AssertionError(f"no URL printed in time:\n{seen}")


def test_demo_serves_health_and_logins(tmp_path) -> None:
    """The demo prints its URL, serves /healthz, accepts a demo login and stops on SIGINT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    env.update(DATALAB_HOME=str(tmp_path / "home"), COLUMNS="200")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "demo", "--scale", "200", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        url = _wait_for_url(process, time.monotonic() + 240)
        assert url == f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                health = httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        steward = next(login for login in DEMO_LOGINS if login.username == "steward")
        with httpx.Client(base_url=url) as client:
            client.post("/auth/login", data={"username": "steward", "password": steward.password})
            assert client.get("/auth/me").json()["roles"] == ["steward"]
        assert (tmp_path / "home" / "demo-data" / "manifest.json").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode is not None
