"""Helpers for the SPARQL server tests: start ``crampkg serve`` on a free 127.0.0.1 port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "line ", "Error:\n  File")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(*args: str, timeout: float = 2.0, workers: int = 2, env: dict | None = None,
                   log_path: str | None = None) -> Iterator[str]:
    """Run ``crampkg serve`` in a subprocess; yield its base URL; stop it afterwards.

    ``env`` adds environment variables; with ``log_path`` the server's output goes (and stays) there.
    """
    port = free_port()
    # the log stays open while the server runs (it writes there); closed in the finally below
    log = open(log_path, "w+b") if log_path else tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="crampkg-serve-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "crampkg.cli", "serve", "--port", str(port), "--timeout", str(timeout),
         "--workers", str(workers), *args],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"crampkg serve exited: {Path(log.name).read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).json().get("workers") == workers:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("crampkg serve did not start in time")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if not log_path:
            os.unlink(log.name)


def assert_alive(base: str) -> None:
    """The server still answers a simple query."""
    response = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert 'File "' not in text
    assert ".py\", line" not in text
