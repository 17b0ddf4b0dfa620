"""Run the emulator: a threaded werkzeug server in a background thread, started and stopped in-process."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from carebird_ops.xemu.app import EmulatorApp
from carebird_ops.xemu.state import EmulatorState

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from carebird_ops.xemu.client import EmulatorClient

log = logging.getLogger(__name__)


class PortInUse(OSError):
    """The requested port is taken; the message names it."""


class _Handler(WSGIRequestHandler):
    def connection_dropped(self, error: BaseException, environ: WSGIEnvironment | None = None) -> None:
        # An injected drop (or a client hanging up): close without writing a byte.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)


@dataclass
class EmulatorHandle:
    host: str
    port: int
    state: EmulatorState
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def client(self) -> EmulatorClient:
        from carebird_ops.xemu.client import EmulatorClient

        return EmulatorClient(self.url)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _listen(host: str, port: int) -> socket.socket:
    # Bind here rather than in werkzeug, which prints and calls sys.exit() when the port is taken.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                errno.EADDRINUSE, f"X API emulator: port {port} on {host} is already in use"
            ) from exc
        raise
    sock.listen(128)
    return sock


def start(host: str = "127.0.0.1", port: int = 0, seed: int | None = None) -> EmulatorHandle:
    """Serve a fresh emulator on `host:port` (0 = any free port) until `.stop()`."""
    state = EmulatorState(seed=seed)
    sock = _listen(host, port)
    try:
        server = make_server(
            host, port, EmulatorApp(state), threaded=True, request_handler=_Handler, fd=sock.fileno()
        )
    finally:
        sock.close()  # werkzeug holds its own duplicate of the descriptor
    bound_port = int(server.socket.getsockname()[1])
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"xemu:{bound_port}", daemon=True
    )
    thread.start()
    return EmulatorHandle(host=host, port=bound_port, state=state, _server=server, _thread=thread)
