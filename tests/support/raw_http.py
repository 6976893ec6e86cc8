"""A tiny raw-socket HTTP server on 127.0.0.1 for answers no well-behaved server gives.

Each accepted connection is handed to `handler(conn, stop)` on its own thread after the request head
has been read; the handler writes whatever bytes it likes (a trickle, an endless body, nothing at
all) and should return once `stop` is set, which `close()` does.

The `raw_server(handler)` fixture starts one and closes it after the test.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

Handler = Callable[[socket.socket, threading.Event], None]


class RawServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.stop = threading.Event()
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    data = conn.recv(4096)
                    if not data:
                        return
                    head += data
                self.requests += 1
                self.handler(conn, self.stop)
            except OSError:
                return  # the client hung up, which is what several tests want it to do

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        self._accepting.join(2)
        for worker in self._threads:
            worker.join(2)


def trickle(conn: socket.socket, stop: threading.Event, data: bytes, every: float) -> None:
    """Send `data` one byte at a time, a byte every `every` seconds, until done or stopped."""
    for i in range(len(data)):
        if stop.wait(every if i else 0):
            return
        conn.sendall(data[i:i + 1])


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
