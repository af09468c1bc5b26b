"""A loopback TCP proxy that a test can stall or cut: faults the real apiserver won't make.

Why: a half-open connection (the peer vanished without FIN/RST) cannot be produced by
stopping the apiserver, which closes its sockets cleanly. Stalling the relay reproduces
it: the client's socket stays open and simply receives nothing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field

from devkit.controlplane.cluster import free_port


@dataclass
class FaultProxy:
    target_port: int
    port: int = 0
    _running: threading.Event = field(default_factory=threading.Event)
    _flowing: threading.Event = field(default_factory=threading.Event)
    _conns: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0

    def start(self) -> FaultProxy:
        self.port = self.port or free_port()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._running.set()
        self._flowing.set()
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stall(self) -> None:
        """Stop relaying bytes in both directions; connections stay open (half-dead)."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def drop_all(self) -> None:
        """Reset every open connection."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                conn.close()

    def stop(self) -> None:
        self._running.clear()
        self._flowing.set()
        self.drop_all()
        with contextlib.suppress(OSError):
            self._server.close()

    def _accept_loop(self) -> None:
        while self._running.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            self.accepted += 1
            with self._lock:
                self._conns.extend([client, upstream])
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.2)
        try:
            while self._running.is_set():
                if not self._flowing.is_set():
                    self._flowing.wait(0.2)
                    continue
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.close()
