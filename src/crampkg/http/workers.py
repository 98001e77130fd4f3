"""Query isolation: a small pool of worker processes, each with its own pyoxigraph store.

Neither pyoxigraph nor rdflib can interrupt a running query, and pyoxigraph
can crash the whole process on hostile input; so user SPARQL runs in worker
processes that the parent can kill. A worker is a fresh interpreter
(``python -m crampkg.http.workers``, not ``multiprocessing.spawn``, which would
re-import the caller's ``__main__``) talking over a socket pair with
``multiprocessing.connection`` framing:

* each worker receives the dataset once at start (N-Triples bytes), loads it
  into the default graph and into the named graph :data:`DATASET_GRAPH`, sets
  ``RLIMIT_AS`` (memory) and, before every query, a ``RLIMIT_CPU`` budget;
* the parent waits ``timeout`` seconds for an answer; then it kills the worker
  (SIGKILL), starts a replacement in the background and raises
  :class:`~crampkg.errors.QueryTimeoutError` (503);
* a worker that dies (segfault, out of memory, CPU limit) gives
  :class:`WorkerCrashedError` (503) and is replaced;
* a request that waits longer than ``timeout`` for a free worker gets
  :class:`ServiceBusyError` (503); with no live worker at all it gets it at once;
* a worker that cannot be started is retried forever with back-off
  (``restart_backoff`` doubling up to ``restart_backoff_max``), so a slot is never
  lost for good; :meth:`WorkerPool.live` counts only workers that are alive;
* every worker cuts itself off the network first (:mod:`crampkg.http.sandbox`).

A pool of ``kind="case"`` parses and SHACL-validates Turtle cases
(:func:`crampkg.io.cases.parse_turtle_case`) instead of running SPARQL, so that a
hostile case can be stopped after ``timeout`` seconds like a query.

In the worker each query passes :func:`crampkg.sparql.guard.check_query`, runs,
is capped at ``max_rows`` solutions or triples and ``max_response_bytes`` of
serialized answer (more: :class:`ResultTooLargeError`, 413, nothing is truncated
silently) and is serialized to the negotiated format; the parent never holds more
than one capped answer per request.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, cast

from ..errors import (
    CrampkgError,
    QueryError,
    QuerySyntaxError,
    QueryTimeoutError,
    QueryTooLongError,
    ResultTooLargeError,
    ServiceBusyError,
    WorkerCrashedError,
)

if TYPE_CHECKING:
    import pyoxigraph as ox

    from ..io.cases import Case
    from ..sparql.results import Term

log = logging.getLogger(__name__)

DATASET_GRAPH = "https://w3id.org/crampkg/crampkg.owl"
"""The named graph that holds (a copy of) the served dataset; the only IRI FROM / FROM NAMED may use."""


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """Limits of the worker pool (all enforced per query)."""

    workers: int = 2
    timeout: float = 10.0
    memory_mb: int = 2048
    max_rows: int = 10_000
    max_query_length: int = 50_000
    max_depth: int = 64
    start_timeout: float = 120.0
    max_response_bytes: int = 8_000_000
    restart_backoff: float = 0.5
    restart_backoff_max: float = 30.0
    kind: str = "sparql"


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """A serialized result: media type, body and the query form."""

    media_type: str
    body: bytes
    form: str


@dataclass(eq=False, slots=True)
class _Worker:
    process: Any
    conn: Any
    served: int = 0
    isolation: tuple[str, ...] = ()


@dataclass(slots=True)
class _Job:
    query: str
    accept: str | None
    fmt: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _CaseJob:
    data: bytes


# ---------------------------------------------------------------------- worker side
def _set_memory_limit(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        pass


def _set_cpu_budget(seconds: float) -> None:
    """Allow ``seconds`` more CPU time from now (SIGXCPU kills the worker after that)."""
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(used + seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        pass


def _worker_main(conn: Connection) -> None:
    """Entry point of a worker process: cut the network, receive settings and dataset, load, say
    ready, answer jobs."""
    from .sandbox import restrict_network

    isolation = restrict_network()  # before any thread starts (pyoxigraph's) and before any query
    import pyoxigraph as ox

    from ..sparql import guard as sparql_guard

    try:
        settings: PoolSettings = conn.recv()
        dataset: bytes = conn.recv_bytes()
    except (EOFError, OSError):  # the pool closed before this worker started
        return
    _set_memory_limit(settings.memory_mb)
    sparql_guard.rdflib_safe_evaluation()
    store = ox.Store()
    if dataset:
        store.bulk_load(input=dataset, format=ox.RdfFormat.N_TRIPLES)
        store.bulk_load(input=dataset, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(DATASET_GRAPH))
    del dataset
    if settings.kind == "case":
        from ..io.cases import parse_turtle_case

        parse_turtle_case(_WARM_CASE)  # import and warm rdflib and pyshacl before saying ready
    else:
        sparql_guard.check_query("ASK {}")  # import and warm the parser before saying ready
    conn.send(("ready", os.getpid(), isolation))
    while True:
        try:
            job: _Job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        _set_cpu_budget(settings.timeout * 2)
        try:
            if type(job).__name__ == "_CaseJob":  # this module runs as __main__: compare by name
                from ..io.cases import parse_turtle_case

                conn.send(("case", parse_turtle_case(cast(_CaseJob, job).data)))
                continue
            response = _answer(store, job, settings)
            conn.send(("ok", response.media_type, response.body, response.form))
        except CrampkgError as exc:
            conn.send(("error", exc.http_status, type(exc).__name__, str(exc)))
        except MemoryError:
            conn.send(("error", 503, "WorkerCrashedError", "the query ran out of memory"))
            return
        except Exception as exc:  # noqa: BLE001 - reported to the parent without internals
            log.exception("query worker failed")
            conn.send(("error", 500, "InternalError", f"internal error ({type(exc).__name__})"))


_WARM_CASE = (b"<urn:x> a <https://w3id.org/crampkg/CRAMPKG_0000023> ; "
              b"<https://w3id.org/crampkg/CRAMPKG_0000041> <https://w3id.org/crampkg/CRAMPKG_0000101> .")


def _too_large(size: int, cap: int) -> ResultTooLargeError:
    return ResultTooLargeError(
        f"the result is larger than {cap} bytes ({size} or more) and was not sent; "
        "add LIMIT, select fewer or shorter values")


def _term_size(term: Term | None) -> int:
    return 16 if term is None else len(term.value if hasattr(term, "value") else str(term)) + 16


def _answer(store: ox.Store, job: _Job, settings: PoolSettings) -> QueryResponse:
    import pyoxigraph as ox

    from ..sparql.guard import check_query
    from ..sparql.results import negotiate, serialize_boolean, serialize_solutions, serialize_triples, too_many_message

    guarded = check_query(job.query, max_length=settings.max_query_length, max_depth=settings.max_depth,
                          allowed_graphs=frozenset({DATASET_GRAPH}))
    fmt = negotiate(guarded.form, job.accept, job.fmt)
    try:
        result = store.query(guarded.text)
    except SyntaxError as exc:
        message = str(exc)
        line = column = None
        if message.startswith("error at ") and ":" in message[9:]:
            where = message[9:].split(":", 2)
            if len(where) == 3 and where[0].isdigit() and where[1].isdigit():
                line, column, message = int(where[0]), int(where[1]), where[2].strip()
        raise QuerySyntaxError(message[:300], line=line, column=column) from None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise QueryError(f"the query could not be evaluated: {str(exc)[:300]}") from None
    cap = settings.max_rows
    byte_cap = settings.max_response_bytes
    if isinstance(result, ox.QueryBoolean) or guarded.form == "ASK":
        return QueryResponse(fmt.media_type, serialize_boolean(bool(result), fmt), guarded.form)
    size = 0  # a lower bound of the serialized size, checked while collecting (before serializing)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[list[Term | None]] = []
        for solution in result:
            if len(rows) >= cap:
                raise ResultTooLargeError(too_many_message(cap, "rows", guarded.text))
            row = [solution[v] for v in variables]
            size += sum(_term_size(t) for t in row)
            if size > byte_cap:
                raise _too_large(size, byte_cap)
            rows.append(row)
        body = serialize_solutions(variables, rows, fmt)
    else:
        triples: list[ox.Triple] = []
        for triple in result:
            if len(triples) >= cap:
                raise ResultTooLargeError(too_many_message(cap, "triples", guarded.text))
            size += _term_size(triple.subject) + _term_size(triple.predicate) + _term_size(triple.object)
            if size > byte_cap:
                raise _too_large(size, byte_cap)
            triples.append(triple)
        body = serialize_triples(triples, fmt)
    if len(body) > byte_cap:
        raise _too_large(len(body), byte_cap)
    return QueryResponse(fmt.media_type, body, guarded.form)


# ---------------------------------------------------------------------- parent side
CLOSE_GRACE = 1.0
"""Seconds :meth:`WorkerPool.close` gives the workers, together, to exit before they are killed."""
_SRC_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the folder holding crampkg


class _Process:
    """The few ``multiprocessing.Process`` methods the pool uses, over ``subprocess.Popen``."""

    def __init__(self, popen: subprocess.Popen[bytes]):
        self.popen = popen
        self.pid = popen.pid

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.popen.kill()

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass


class WorkerPool:
    """A pool of query worker processes over one dataset (see module doc). Thread-safe."""

    def __init__(self, dataset: bytes, settings: PoolSettings | None = None):
        self.settings = settings or PoolSettings()
        self._dataset = dataset
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False
        self.replaced = 0
        self.isolation: tuple[str, ...] = ()
        """The network isolation layers of the last worker started (see :mod:`crampkg.http.sandbox`)."""

    # lifecycle
    def start(self, wait: bool = True) -> WorkerPool:
        """Start the workers; with ``wait`` return once all are ready."""
        threads = [threading.Thread(target=self._add_worker, args=(3,), daemon=True)
                   for _ in range(self.settings.workers)]
        threading.Thread(target=self._watch, daemon=True).start()
        for t in threads:
            t.start()
        if wait:
            for t in threads:
                t.join()
            if self._idle.qsize() == 0:
                raise CrampkgError("no query worker could be started")
            for _ in range(self.settings.workers - self._idle.qsize()):  # keep trying for the missing ones
                threading.Thread(target=self._add_worker, daemon=True).start()
        return self

    def close(self) -> None:
        """Stop every worker: an idle one exits on the end of its connection (so its exit handlers
        run, e.g. coverage's), one still busy after :data:`CLOSE_GRACE` seconds is killed."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            try:
                worker.conn.close()
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_GRACE
        for worker in workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._kill(worker)

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring); dead ones are not counted."""
        with self._lock:
            return sorted(w.process.pid for w in self._workers if w.process.pid and w.process.is_alive())

    def live(self) -> int:
        """How many workers are alive (idle or busy)."""
        return len(self.pids())

    def _spawn(self) -> _Worker | None:
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_SRC_ROOT, os.environ.get("PYTHONPATH")])))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "crampkg.http.workers", str(child_sock.fileno()), self.settings.kind],
                pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL, env=env, close_fds=True)
        except OSError as exc:
            log.error("cannot start a query worker: %s", exc)
            parent_sock.close()
            child_sock.close()
            return None
        child_sock.close()
        parent_conn = Connection(parent_sock.detach())
        worker = _Worker(_Process(process), parent_conn)
        try:
            parent_conn.send(self.settings)
            parent_conn.send_bytes(self._dataset)
            if parent_conn.poll(self.settings.start_timeout):
                message = parent_conn.recv()
                if message and message[0] == "ready":
                    worker.isolation = tuple(message[2]) if len(message) > 2 else ()
                    self.isolation = worker.isolation
                    return worker
        except (EOFError, OSError):
            pass
        log.error("query worker %s failed to start", process.pid)
        self._kill(worker)
        return None

    def _add_worker(self, attempts: int | None = None) -> None:
        """Start one worker; retry with back-off until it runs, the pool closes or ``attempts`` run out."""
        delay = self.settings.restart_backoff
        attempt = 0
        while not self._closed:
            worker = self._spawn()
            if worker is not None:
                with self._lock:
                    if self._closed:
                        self._kill(worker)
                        return
                    self._workers.add(worker)
                self._idle.put(worker)
                return
            attempt += 1
            if attempts is not None and attempt >= attempts:
                return
            log.warning("query worker start failed (attempt %d); retrying in %.1f s", attempt, delay)
            time.sleep(delay)
            delay = min(delay * 2, self.settings.restart_backoff_max)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            known = worker in self._workers
            self._workers.discard(worker)
            closed = self._closed
            if known:
                self.replaced += 1
        self._kill(worker)
        if known and not closed:  # (a worker replaced already, e.g. by the watcher, is not replaced twice)
            threading.Thread(target=self._add_worker, daemon=True).start()

    def _watch(self) -> None:
        """Replace workers that died while idle (so that the pool heals without waiting for a query)."""
        while not self._closed:
            time.sleep(0.25)
            with self._lock:
                dead = [w for w in self._workers if not w.process.is_alive()]
            for worker in dead:
                log.warning("query worker %s died while idle; replacing it", worker.process.pid)
                self._replace(worker)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        try:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=2)
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        try:
            worker.conn.close()
        except OSError:
            pass

    # queries
    def execute(self, query: str, accept: str | None = None, fmt: str | None = None) -> QueryResponse:
        """Run ``query`` in a worker; the result serialized for ``accept`` / ``fmt`` (blocking)."""
        if self._closed:
            raise ServiceBusyError("the query service is shutting down")
        if len(query) > self.settings.max_query_length:
            raise QueryTooLongError(
                f"the query is {len(query)} characters long; the limit is {self.settings.max_query_length}")
        response = self._run(_Job(query, accept, fmt))
        assert isinstance(response, QueryResponse)  # a query job is answered "ok" or raises
        return response

    def parse_case(self, data: bytes) -> Case:
        """Parse and validate a Turtle case in a worker of a ``kind="case"`` pool (a :class:`crampkg.io.cases.Case`)."""
        return cast("Case", self._run(_CaseJob(data)))

    def _run(self, job: _Job | _CaseJob) -> object:
        deadline = time.monotonic() + self.settings.timeout
        worker = self._checkout(deadline)
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.settings.timeout):
                self._replace(worker)
                raise QueryTimeoutError(
                    f"the query ran longer than {self.settings.timeout:g} s and was stopped; "
                    "make it more selective or add LIMIT")
            message = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise WorkerCrashedError("the query worker stopped unexpectedly while running the query; "
                                     "it has been replaced, the service keeps running") from None
        if message[0] == "error" and message[2] == "WorkerCrashedError":
            self._replace(worker)
            raise WorkerCrashedError(message[3])
        worker.served += 1
        self._idle.put(worker)
        if message[0] == "ok":
            return QueryResponse(message[1], message[2], message[3])
        if message[0] == "case":
            return message[1]
        _, status, name, text = message
        raise _remote_error(status, name, text)

    def _checkout(self, deadline: float) -> _Worker:
        while True:
            if self._idle.empty() and self.live() == 0:
                raise ServiceBusyError("no query worker is running; new ones are being started, try again shortly")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServiceBusyError("all query workers are busy; try again shortly")
            try:
                worker = self._idle.get(timeout=min(remaining, 0.25))
            except queue.Empty:
                continue
            if worker.process.is_alive():
                return worker
            self._replace(worker)


def _remote_error(status: int, name: str, text: str) -> CrampkgError:
    """Rebuild a worker's error in the parent with its class name and HTTP status."""
    import sys

    from .. import errors
    from ..sparql import guard as sparql_guard
    from ..sparql import results as sparql_results

    for module in (errors, sparql_guard, sparql_results, sys.modules[__name__]):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, CrampkgError):
            exc = cls.__new__(cls)
            Exception.__init__(exc, text)
            return exc
    exc = CrampkgError(text)
    exc.http_status = status
    return exc


if __name__ == "__main__":  # python -m crampkg.http.workers FD  (started by WorkerPool)
    logging.basicConfig(level=logging.WARNING, format="crampkg worker %(process)d: %(message)s")
    _worker_main(Connection(int(sys.argv[1])))
