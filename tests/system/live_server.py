"""A real uvicorn server on 127.0.0.1 (a free port) around a lab's app, for client journeys."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import APIRouter

from lab.app import create_app
from lab.services import LabServices


@contextmanager
def serving(services: LabServices, extra_routers: Iterable[APIRouter] = ()) -> Iterator[str]:
    """Serve ``services`` over HTTP until the block ends; yields the base URL.

    ``extra_routers`` are mounted as plug-in routers are (a test's own routes, e.g. one that
    fails on purpose)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(services)
    for router in extra_routers:
        app.include_router(router)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
