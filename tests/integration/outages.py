"""Services a test can take away and give back: its own PostgreSQL server, and a TCP proxy.

The shared PostgreSQL of the other tests is never restarted: a test that restarts the
database starts a server of its own (Debian's binaries, a data directory in tmp_path, a free
port) and restarts that one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
from pathlib import Path

from worker.dev.brokers import free_port

PG_BIN = Path("/usr/lib/postgresql")


def _pg_tool(name: str) -> str:
    found = sorted(PG_BIN.glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found under {PG_BIN} (deploy/dev/postgres.sh)")
    return str(found[-1])


class PostgresServer:
    """A PostgreSQL server of the test's own, trusting local connections."""

    def __init__(self) -> None:
        self.port = free_port()
        # Not under pytest's tmp_path: that is private to root, and the server runs as postgres.
        self.directory = Path(tempfile.mkdtemp(prefix="ipasn-pg-"))
        self.data = self.directory / "pgdata"
        self.log = self.directory / "postgres.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        # initdb and pg_ctl refuse to run as root; CI runs as root.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres")
            self._as_postgres(_pg_tool("initdb"), "-D", str(self.data), "-U", "postgres",
                              "--auth=trust", "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(_pg_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-o", options, "-w", "start")  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        """mode "immediate" is a crash: no checkpoint, connections cut."""
        self._as_postgres(_pg_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


class Proxy:
    """A TCP proxy from a free port to `target`; `cut()` drops every connection and refuses
    new ones until `mend()`."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.port = port or free_port()
        self.target = ("127.0.0.1", target_port)
        self._open = threading.Event()
        self._open.set()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> Proxy:
        self._listen()
        return self

    def _listen(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut() or close() closed the listener
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # the timeout was for connecting: an idle link stays up
            with self._lock:
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with self._lock:
                    self._sockets.discard(s)

    def cut(self) -> None:
        """As a failed network seen from the client: connections reset mid-stream (RST), new
        ones refused. (A proxy cannot drop packets silently: its own TCP stack would still
        acknowledge them.)"""
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(), so the port is free at once.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    # Linger 0: close() resets the connection instead of closing it politely;
                    # shutdown() first wakes the threads blocked reading from it.
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
            self._sockets.clear()

    def mend(self) -> None:
        self._listen()

    def close(self) -> None:
        self.cut()
