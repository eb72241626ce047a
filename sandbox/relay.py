"""A TCP relay from the sandbox bridge to the lab's DP gateway (a hub-managed service).

The lab app listens on the host's loopback, which kernels cannot reach; the relay listens on the
bridge address (the one port besides the hub API that the firewall lets kernels reach) and
copies bytes to the gateway. It reads nothing and keeps nothing: TLS or not, the kernel's
requests and the gateway's answers pass through unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.close()


def make_handler(target_host: str, target_port: int):
    """A connection handler that joins each client to a fresh connection to the target."""

    async def handle(client_reader, client_writer) -> None:
        try:
            target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, target_writer), _pipe(target_reader, client_writer)
        )

    return handle


async def serve(listen: tuple[str, int], target: tuple[str, int]) -> None:
    server = await asyncio.start_server(make_handler(*target), *listen)
    async with server:
        await server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_address, required=True, help="host:port to listen on")
    parser.add_argument("--target", type=_address, required=True, help="the gateway's host:port")
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(arguments.listen, arguments.target))


if __name__ == "__main__":
    main()
