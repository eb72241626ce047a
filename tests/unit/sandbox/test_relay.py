"""The gateway relay copies bytes both ways between a client and the target, on loopback."""

from __future__ import annotations

import asyncio

from sandbox.relay import make_handler


def test_relay_round_trip() -> None:
    """A request through the relay reaches the target and its answer comes back unchanged."""

    async def scenario() -> bytes:
        async def echo(reader, writer):
            writer.write(b"echo:" + await reader.readexactly(5))
            await writer.drain()
            writer.close()

        target = await asyncio.start_server(echo, "127.0.0.1", 0)
        target_port = target.sockets[0].getsockname()[1]
        relay = await asyncio.start_server(make_handler("127.0.0.1", target_port), "127.0.0.1", 0)
        relay_port = relay.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", relay_port)
        writer.write(b"hello")
        await writer.drain()
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        for server in (relay, target):
            server.close()
            await server.wait_closed()
        return answer

    assert asyncio.run(scenario()) == b"echo:hello"
