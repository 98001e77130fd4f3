"""Limits on what a client may send before the application sees a request.

uvicorn's httptools protocol (the fast one, used by ``crampkg serve``) accepts
headers of any size and number and waits forever for a slow client: a 16 MB
header, 100,000 headers and one endless header line were all accepted.
:class:`LimitedHttpToolsProtocol` adds, per connection:

* at most :data:`MAX_HEADER_BYTES` of request line and headers (else 431 and close);
* at most :data:`MAX_HEADERS` header fields (else 431 and close);
* the request line and headers must arrive within :data:`HEADER_TIMEOUT`
  seconds of the connection or of the previous request (else 408 and close),
  so a connection that sends nothing, or one byte at a time, is dropped.

The body has its own deadline in the application (:func:`crampkg.http.app.read_body`).
:func:`uvicorn_options` gives the matching ``uvicorn.Config`` arguments (with
h11, when httptools is missing, its ``h11_max_incomplete_event_size``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100
HEADER_TIMEOUT = float(os.environ.get("CRAMPKG_HEADER_TIMEOUT", "10"))
"""Seconds for the request line and headers (``CRAMPKG_HEADER_TIMEOUT`` overrides; tests use it)."""
BODY_TIMEOUT = float(os.environ.get("CRAMPKG_BODY_TIMEOUT", "30"))
"""Seconds for the whole request body (``CRAMPKG_BODY_TIMEOUT`` overrides), enforced by the application."""
KEEP_ALIVE = 5.0

try:
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a declared dependency
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def _status(code: int, reason: str, message: str) -> bytes:
    body = message.encode("ascii", "replace") + b"\n"
    return (f"HTTP/1.1 {code} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode("ascii") + body


if HttpToolsProtocol is not None:

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol with header size, count and read-time limits (see module doc)."""

        max_header_bytes = MAX_HEADER_BYTES
        max_headers = MAX_HEADERS
        header_timeout = HEADER_TIMEOUT

        # uvicorn's own signature, which narrows BaseProtocol's BaseTransport to Transport
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_bytes = 0
            self._head_count = 0
            self._in_head = True
            self._refused = False
            self._head_timer: asyncio.TimerHandle | None = self.loop.call_later(
                self.header_timeout, self._head_too_slow)

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _stop_head_timer(self) -> None:
            timer = getattr(self, "_head_timer", None)
            if timer is not None:
                timer.cancel()
                self._head_timer = None

        def _refuse(self, code: int, reason: str, message: str) -> None:
            self._refused = True
            self._stop_head_timer()
            self.logger.info("refused a request: %s", message)
            if not self.transport.is_closing():
                self.transport.write(_status(code, reason, message))
                self.transport.close()

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self._in_head and not self._refused:
                self._refuse(408, "Request Timeout",
                             f"the request line and headers did not arrive within {self.header_timeout:g} s")

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._in_head:
                if self._head_timer is None:
                    self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)
                self._head_bytes += len(data)
            self._feed(data)
            # still in the head after this data (an endless header line, which httptools would buffer
            # without limit): refuse once it passes the cap
            if self._in_head and not self._refused and self._head_bytes > self.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large",
                             f"the request headers are larger than {self.max_header_bytes} bytes")

        def _feed(self, data: bytes) -> None:
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                if not self._refused:
                    self.logger.warning("Invalid HTTP request received.")
                    self.send_400_response("Invalid HTTP request received.")
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._head_count = 0
            self._head_size = 0

        def on_url(self, url: bytes) -> None:
            self._head_size = getattr(self, "_head_size", 0) + len(url)
            if self._head_size > self.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large",
                             f"the request line is longer than {self.max_header_bytes} bytes")
                raise ValueError("request line too long")
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._head_count += 1
            self._head_size = getattr(self, "_head_size", 0) + len(name) + len(value) + 4
            if self._head_count > self.max_headers:
                self._refuse(431, "Request Header Fields Too Large",
                             f"more than {self.max_headers} request headers")
                raise ValueError("too many headers")
            if self._head_size > self.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large",
                             f"the request headers are larger than {self.max_header_bytes} bytes")
                raise ValueError("headers too large")
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._head_bytes = 0
            self._stop_head_timer()
            super().on_headers_complete()

else:  # pragma: no cover
    LimitedHttpToolsProtocol = None  # type: ignore[assignment,misc]


def uvicorn_options() -> dict[str, Any]:
    """Arguments for ``uvicorn.Config``/``uvicorn.run`` that enforce the limits of this module."""
    options: dict[str, Any] = {"timeout_keep_alive": KEEP_ALIVE, "h11_max_incomplete_event_size": MAX_HEADER_BYTES}
    if LimitedHttpToolsProtocol is not None:
        options["http"] = LimitedHttpToolsProtocol
    return options
