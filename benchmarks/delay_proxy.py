"""A TCP proxy on 127.0.0.1 that adds a set one-way delay and can cut the link: a slow office
link (Hanoi ↔ Guangzhou, 25 ms each way) on one machine, for benchmarks and tests.

    proxy = DelayProxy("127.0.0.1", server_port, delay=0.025).start()
    client = RemoteClient(f"https://127.0.0.1:{proxy.port}", known)
    ...
    proxy.round_trips, proxy.connections     # counted at the proxy
    proxy.cut(); ...; proxy.restore()          # the link drops, then comes back
    proxy.stop()

Each chunk read from one side is written to the other ``delay`` seconds after it arrived, in
order. A new connection first waits one round trip (2 × delay: the TCP handshake a real link
would cost) before its first byte goes on. ``round_trips`` counts the exchanges a real link pays
a round trip for: each connection's handshake, and each client→server chunk that follows a
server→client chunk (the first request of a connection follows the handshake's answer).
While cut, existing connections are dropped (queued bytes are lost) and new ones are closed as
soon as they are accepted. Loopback only: it listens on 127.0.0.1 and forwards to a loopback
address.

The proxy runs its own asyncio loop on a daemon thread; every method is safe to call from any
other thread.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_CHUNK = 65536


@dataclass(frozen=True)
class Counts:
    connections: int
    round_trips: int


class DelayProxy:
    def __init__(self, target_host: str, target_port: int, delay: float = 0.025) -> None:
        if target_host not in _LOOPBACK:
            raise ValueError(f"the proxy forwards to loopback only, not {target_host!r}")
        self.target = (target_host, target_port)
        #: one-way delay in seconds (may be changed between figures; applies to new chunks)
        self.delay = float(delay)
        self.port = 0
        self.connections = 0
        self.round_trips = 0
        self._cut = False
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="delay-proxy", daemon=True)

    # -- from any thread ------------------------------------------------------------------------------
    def start(self) -> "DelayProxy":
        self._thread.start()
        self._server = self._run(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def counts(self) -> Counts:
        return Counts(self.connections, self.round_trips)

    def cut(self) -> None:
        """The link drops: every open connection is closed at once; new ones are refused."""
        self._run(self._cut_now())

    def restore(self) -> None:
        """The link is back: new connections go through again."""
        self._cut = False

    @property
    def is_cut(self) -> bool:
        return self._cut

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # -- on the proxy's loop --------------------------------------------------------------------------
    async def _cut_now(self) -> None:
        self._cut = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _shutdown(self) -> None:
        await self._cut_now()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        if self._cut:
            c_writer.transport.abort()
            return
        self.connections += 1
        self.round_trips += 1                      # the TCP handshake
        opened = time.monotonic()
        try:
            s_reader, s_writer = await asyncio.open_connection(*self.target)
        except OSError:
            c_writer.transport.abort()
            return
        if self._cut:                              # cut while connecting
            c_writer.transport.abort()
            s_writer.transport.abort()
            return
        self._open.update((c_writer, s_writer))
        #: the direction of the last chunk seen on this connection ("s": the handshake's answer)
        last = ["s"]
        ready = opened + 2 * self.delay            # data flows once the handshake would be done
        up = asyncio.create_task(self._pump(c_reader, s_writer, "c", last, ready))
        down = asyncio.create_task(self._pump(s_reader, c_writer, "s", last, ready))
        for t in (up, down):
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)
        await asyncio.gather(up, down, return_exceptions=True)
        for w in (c_writer, s_writer):
            self._open.discard(w)
            w.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, side: str,
                    last: list[str], ready: float) -> None:
        """Read chunks from one side, deliver each ``delay`` after it arrived (in order)."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.create_task(self._deliver(queue, writer))
        self._tasks.add(deliver)
        deliver.add_done_callback(self._tasks.discard)
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                if side == "c" and last[0] == "s":
                    self.round_trips += 1
                last[0] = side
                queue.put_nowait((max(time.monotonic(), ready) + self.delay, data))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((0.0, b""))           # end of stream, after the queued chunks
            try:
                await deliver
            except (ConnectionError, OSError, asyncio.CancelledError):
                pass

    @staticmethod
    async def _deliver(queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        while True:
            due, data = await queue.get()
            if not data:
                if writer.can_write_eof():
                    try:
                        writer.write_eof()
                    except (ConnectionError, OSError, RuntimeError):
                        pass
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if writer.transport.is_closing():
                return
            writer.write(data)
            await writer.drain()
