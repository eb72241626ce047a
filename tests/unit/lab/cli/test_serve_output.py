"""What a person sees when the lab starts serving: the addresses of every role's pages, printed
last — after the server's own start-up lines — so they stay on screen above the prompt."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from lab.cli.serve import serving_message


def test_message_lists_every_role_page_and_extra_addresses() -> None:
    """The portal, the role chooser, each role's home, the docs and what the caller adds."""
    lines = serving_message(
        "http://127.0.0.1:8600", also={"sandbox hub": "http://127.0.0.1:8610/"}
    ).splitlines()
    addresses = [line.split()[-1] for line in lines[1:]]
    for path in ("/", "/sign-in", "/steward/", "/enterprise/", "/bank/", "/auditor/", "/docs"):
        assert f"http://127.0.0.1:8600{path}" in addresses
    assert lines[-1].split()[-1] == "http://127.0.0.1:8610/"


def test_datalab_serve_prints_the_addresses_after_the_start_up_lines(tmp_path) -> None:
    """In the real command's combined output the address block follows uvicorn's start-up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    environment["DATALAB_HOME"] = str(tmp_path / "home")
    output = tmp_path / "out.txt"
    with output.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "lab.cli", "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    lines = [line for line in output.read_text().splitlines() if '"lab.access"' not in line]
    started = max(i for i, line in enumerate(lines) if "Uvicorn running on" in line)
    block = next(i for i, line in enumerate(lines) if line.startswith("City Data Lab is serving"))
    assert block > started
    assert f"http://127.0.0.1:{port}/bank/" in "\n".join(lines[block : block + 10])
