"""Render a batch on a Dask cluster: each spec is a task, its output comes back as bytes.

The client does everything that touches its files, with the same code as the local pool
(:mod:`convanim.batch.worker`): it loads each spec (a bad one fails here, with the message and
exit code it has locally, before anything is submitted), skips the outputs that are up to date,
bundles each remaining spec with the files it reads (:mod:`convanim.batch.remote`), and once a
worker returns the output's bytes, writes them atomically and records the sidecar. Workers need no
shared file system, only the same convanim and drawing libraries: :func:`check_workers` compares
every worker's :func:`~convanim.version.build_identity` with the client's before submitting, and
each task compares them again (a worker may join later).

``address`` is a scheduler address (``tcp://host:8786``) or ``local:N``, which starts a
``LocalCluster`` of N one-thread worker processes on this machine (with Dask's dashboard). A
worker that dies mid-task is replaced by Dask and its task run again elsewhere; a task that
raises is retried ``retries`` times. Ctrl-C cancels every submitted task.

:func:`write_decks_on_cluster` does the same for ``convanim slides``: one task per spec's deck,
whose files come back and are written into the deck's folder atomically.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.batch.remote import (
    RemoteFailure,
    RemoteJob,
    install_deck,
    install_output,
    make_deck_job,
    make_job,
    run_deck,
    run_job,
    run_join,
    run_segment,
)
from convanim.batch.task import RenderTask, ResultCallback, TaskResult
from convanim.batch.worker import Prepared, failed_result, finish, prepare
from convanim.errors import ConvanimError, SpecError, UsageError

if TYPE_CHECKING:
    from distributed import Client

    from convanim.pipeline.deck import DeckReport
    from convanim.spec import SceneSpec

__all__ = [
    "ENV_VAR",
    "INSTALL_HINT",
    "NANNY_PRELOAD",
    "LOCAL_PREFIX",
    "check_workers",
    "connect",
    "local_cluster",
    "parse_address",
    "run_on_cluster",
    "write_decks_on_cluster",
]

#: The environment variable ``--cluster`` defaults to.
ENV_VAR = "CONVANIM_CLUSTER"
#: ``local:N``: a LocalCluster of N worker processes on this machine.
LOCAL_PREFIX = "local:"
#: How to get Dask.
INSTALL_HINT = "pip install 'convanim[cluster]' (or: pip install distributed)"
#: Seconds to wait for the scheduler, and for a first worker to join it.
CONNECT_TIMEOUT = 30.0
#: How often Dask runs a task again if it raises (a worker that dies is handled by Dask's own
#: ``distributed.scheduler.allowed-failures``).
RETRIES = 2


#: The nanny preload that sets convanim's workers up (:mod:`convanim.batch.dask_setup`).
NANNY_PRELOAD = "convanim.batch.dask_setup"


def local_cluster(workers: int, **options: Any) -> Any:
    """The ``LocalCluster`` that ``local:N`` starts: ``workers`` one-thread worker processes,
    whose nannies preload :data:`NANNY_PRELOAD`; ``options`` go to ``LocalCluster`` too.

    Raises
    ------
    UsageError
        Dask is not installed.
    """
    distributed = _distributed()
    options = {"silence_logs": logging.ERROR, "preload_nanny": [NANNY_PRELOAD], **options}
    return distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, **options
    )


def parse_address(address: str) -> tuple[str, int]:
    """``("local", N)`` for ``local:N``, else ``(address, 0)``.

    Raises
    ------
    UsageError
        An empty address, or ``local:`` without a worker count of at least 1.
    """
    address = address.strip()
    if not address:
        raise UsageError("--cluster needs an address: tcp://HOST:8786, or local:N")
    if not address.startswith(LOCAL_PREFIX):
        return address, 0
    count = address[len(LOCAL_PREFIX) :]
    if not count.isdigit() or int(count) < 1:
        raise UsageError(f"--cluster {address}: write local:N with N workers, at least 1")
    return "local", int(count)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--cluster needs Dask's distributed package: {INSTALL_HINT}") from None
    return distributed


@contextlib.contextmanager
def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A Dask client for ``address`` (see :func:`parse_address`), its workers checked.

    A ``local:N`` cluster is started here and stopped on exit.

    Raises
    ------
    UsageError
        Dask is not installed, or the scheduler cannot be reached, or it has no worker.
    ConvanimError
        A worker runs other code or libraries than this client (see :func:`check_workers`).
    """
    distributed = _distributed()
    where, workers = parse_address(address)
    with contextlib.ExitStack() as stack:
        if where == "local":
            target: Any = stack.enter_context(local_cluster(workers))
        else:
            target = where
        try:
            client = stack.enter_context(distributed.Client(target, timeout=timeout))
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise UsageError(
                f"the Dask scheduler at {address} has no worker (start one with: dask worker "
                f"{address} --nthreads 1)"
            ) from None
        check_workers(client)
        yield client


def _worker_identity() -> dict[str, str]:
    """Run on each worker by :func:`check_workers` (a module function: pickled by name)."""
    from convanim.version import build_identity

    return build_identity()


def check_workers(client: Client) -> None:
    """Refuse a cluster whose workers run other code or drawing libraries than this client.

    Raises
    ------
    ConvanimError
        Naming each worker that differs and how.
    """
    from convanim.version import build_identity, identity_mismatch

    ours = build_identity()
    theirs = client.run(_worker_identity)
    problems = []
    for worker, identity in sorted(theirs.items()):
        difference = identity_mismatch(ours, identity)
        if difference is not None:
            problems.append(f"{worker}: {difference}")
    if problems:
        raise ConvanimError(
            "the cluster's workers run other code than this client, so their frames could "
            "differ; install the same convanim (and libraries) on every worker: "
            + "; ".join(problems)
        )


def _lost_message(exc: BaseException) -> tuple[str, int]:
    """The message and exit code of a task whose future raised (its worker died, or Dask
    gave up on it)."""
    from convanim.batch.worker import failure_message

    name = type(exc).__name__
    if name in ("KilledWorker", "CancelledError", "FutureCancelledError"):
        message = (
            "the cluster's workers kept stopping before finishing this spec (killed, or out of "
            "memory?); render it on its own to see why"
        )
        return message, 1
    return failure_message(exc)


def _lost(task: RenderTask, exc: BaseException, seconds: float) -> TaskResult:
    message, code = _lost_message(exc)
    return TaskResult(task.spec, task.output, "failed", None, seconds, message, code)


def run_on_cluster(
    tasks: Sequence[RenderTask],
    cluster: str | Client,
    on_result: ResultCallback | None = None,
    retries: int = RETRIES,
) -> list[TaskResult]:
    """Render every task on a Dask cluster and return the results in task order.

    Every spec is loaded and checked here first: bad specs and up-to-date outputs are reported
    without the cluster (which is not even connected to, or started, when nothing is left).

    Parameters
    ----------
    tasks : sequence of RenderTask
        What to render (outputs are paths on this machine).
    cluster : str or distributed.Client
        An address for :func:`connect`, or a client already connected (its workers are checked
        here too).
    on_result : callable or None
        ``on_result(result, done, total)`` as each task finishes (skipped and bad specs first).
    retries : int
        Times a task that raised is run again.

    Returns
    -------
    list of TaskResult
        One per task, same order; the same statuses, messages and exit codes as
        :func:`convanim.batch.run_batch`.
    """
    import time

    results = _Results(len(tasks), on_result)
    todo: list[_Todo] = []
    for index, task in enumerate(tasks):
        started = time.perf_counter()
        try:
            prepared = prepare(task)
            if isinstance(prepared, TaskResult):
                results.record(index, prepared)
                continue
            job = make_job(task, prepared.spec)
            todo.append((index, task, prepared, job, _segments(task, prepared)))
        except Exception as exc:  # a bad spec fails here, as it does locally
            results.record(index, failed_result(task, exc, time.perf_counter() - started))
    if todo:
        with _client_for(cluster) as client:
            _submit(todo, client, results, retries)
    return results.in_order()


@contextlib.contextmanager
def _client_for(cluster: str | Client) -> Iterator[Client]:
    """A client for an address (connected here, see :func:`connect`), or the given client, its
    workers checked."""
    if isinstance(cluster, str):
        with connect(cluster) as client:
            yield client
    else:
        check_workers(cluster)
        yield cluster


@contextlib.contextmanager
def _cancelling(client: Client) -> Iterator[list[Any]]:
    """A list to put the submitted futures in: if the block is left by an exception
    (Ctrl-C's ``KeyboardInterrupt`` included), every one of them is cancelled on the cluster."""
    submitted: list[Any] = []
    try:
        yield submitted
    except BaseException:
        client.cancel(submitted, force=True)
        raise


class _Results:
    """Results by task index, and the progress callback called as each arrives."""

    def __init__(self, total: int, on_result: ResultCallback | None) -> None:
        self.slots: list[TaskResult | None] = [None] * total
        self.done = 0
        self.on_result = on_result

    def record(self, index: int, result: TaskResult) -> None:
        self.slots[index] = result
        self.done += 1
        if self.on_result:
            self.on_result(result, self.done, len(self.slots))

    def in_order(self) -> list[TaskResult]:
        return [r for r in self.slots if r is not None]


_Todo = tuple[int, RenderTask, Prepared, RemoteJob, list[tuple[int, int]]]
"""A task to submit: its index, the task, what :func:`prepare` found, its job, its segments."""


def _segments(task: RenderTask, prepared: Prepared) -> list[tuple[int, int]]:
    """The frame ranges of a render cut into segments (``-j`` with one spec; MP4 and WebM,
    whose segments join without re-encoding), else ``[]`` (one task draws it all).

    The Timeline is built here to count the frames, and a video too long to draw is refused
    here, as :func:`convanim.pipeline.render_spec` refuses it locally.
    """
    from convanim.limits import check_video
    from convanim.output import QUALITIES
    from convanim.pipeline import build_timeline
    from convanim.pipeline.segments import JOINABLE, segment_ranges
    from convanim.renderer import frame_count

    if task.segment_jobs <= 1 or task.options.format not in JOINABLE:
        return []
    quality = QUALITIES[task.options.quality]
    timeline = build_timeline(prepared.spec)
    check_video(prepared.spec, timeline.duration, quality)
    total = frame_count(timeline.duration, quality.fps)
    return segment_ranges(total, task.segment_jobs, quality.fps)


def _submit(
    todo: Sequence[_Todo],
    client: Client,
    results: _Results,
    retries: int,
) -> None:
    """Submit the jobs, then write each output as its task finishes; Ctrl-C cancels them all."""
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]
    pending: dict[Any, tuple[int, RenderTask, Prepared]] = {}
    with _cancelling(client) as submitted:
        for index, task, prepared, job, segments in todo:
            key = f"convanim-{task.spec.stem}-{batch}-{index}"
            if segments:
                parts = [
                    client.submit(
                        run_segment,
                        job,
                        number,
                        start,
                        stop,
                        retries=retries,
                        pure=False,
                        key=f"{key}-segment{number:03d}",
                    )  # fmt: skip
                    for number, (start, stop) in enumerate(segments)
                ]
                submitted += parts
                future = client.submit(run_join, job, parts, retries=retries, pure=False, key=key)
            else:
                future = client.submit(run_job, job, retries=retries, pure=False, key=key)
            submitted.append(future)
            pending[future] = (index, task, prepared)
        for future in as_completed(list(pending)):
            index, task, prepared = pending.pop(future)
            results.record(index, _collect(future, task, prepared))


def _collect(future: Any, task: RenderTask, prepared: Prepared) -> TaskResult:
    """The result of one finished future: its output written here, or its failure."""
    import time

    try:
        outcome = future.result()
    except Exception as exc:
        return _lost(task, exc, time.perf_counter() - prepared.started)
    finally:
        future.release()
    if isinstance(outcome, RemoteFailure):
        seconds = time.perf_counter() - prepared.started
        return TaskResult(
            task.spec, task.output, "failed", None, seconds, outcome.message, outcome.exit_code
        )
    try:
        report = install_output(task.output, task.options, outcome)
    except Exception as exc:
        return failed_result(task, exc, time.perf_counter() - prepared.started)
    return finish(task, prepared, report)


DeckCallback = Callable[["DeckReport", int, int], None]
"""``on_deck(report, done, total)``: called as each deck is written."""


def write_decks_on_cluster(
    decks: Sequence[tuple[Path, SceneSpec, Path]],
    quality: str,
    cluster: str | Client,
    *,
    language: str | None = None,
    on_deck: DeckCallback | None = None,
    retries: int = RETRIES,
) -> list[DeckReport]:
    """Write the slide deck of each spec on a Dask cluster (``convanim slides --cluster``).

    Each deck is one task (:func:`~convanim.batch.remote.run_deck`): the spec and its files go
    as bytes, the worker writes the deck with :func:`convanim.pipeline.deck.write_deck` and sends
    its files back, and this client writes them into the deck's folder atomically (a temporary
    folder renamed into place), as a local deck is written.

    Parameters
    ----------
    decks : sequence of (Path, SceneSpec, Path)
        Each spec file, the spec loaded from it (so bad specs fail before this is called, as
        they do locally), and the deck's folder.
    quality : str
        ``l``, ``m``, ``h`` or ``k``.
    cluster : str or distributed.Client
        As for :func:`run_on_cluster`.
    language : str or None
        Overrides the specs' ``labels.language``.
    on_deck : callable or None
        ``on_deck(report, done, total)`` as each deck is written (in the order they finish).
    retries : int
        Times a task that raised is run again.

    Returns
    -------
    list of DeckReport
        One per deck, in the order of ``decks``.

    Raises
    ------
    SpecError, ConvanimError
        The first deck (in the order of ``decks``) that failed, with the message and exit code
        it fails with locally, once every other deck has been written.
    """
    jobs = [make_deck_job(path, spec, quality, language) for path, spec, _ in decks]
    reports: list[DeckReport | None] = [None] * len(decks)
    failures: dict[int, tuple[str, int]] = {}
    done = 0
    if not decks:
        return []
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]
    with _client_for(cluster) as client, _cancelling(client) as submitted:
        pending: dict[Any, int] = {}
        for index, ((path, _, _), job) in enumerate(zip(decks, jobs, strict=True)):
            key = f"convanim-slides-{path.stem}-{batch}-{index}"
            future = client.submit(run_deck, job, retries=retries, pure=False, key=key)
            submitted.append(future)
            pending[future] = index
        for future in as_completed(list(pending)):
            index = pending.pop(future)
            outcome = _deck_outcome(future, decks[index][2])
            done += 1
            if isinstance(outcome, tuple):
                failures[index] = outcome
                continue
            reports[index] = outcome
            if on_deck is not None:
                on_deck(outcome, done, len(decks))
    if failures:
        message, code = failures[min(failures)]
        raise SpecError(message) if code == 2 else ConvanimError(message)
    return [r for r in reports if r is not None]


def _deck_outcome(future: Any, folder: Path) -> DeckReport | tuple[str, int]:
    """The deck of one finished future written at ``folder``, or its failure's message and exit
    code."""
    from convanim.batch.worker import failure_message

    try:
        outcome = future.result()
    except Exception as exc:
        return _lost_message(exc)
    finally:
        future.release()
    if isinstance(outcome, RemoteFailure):
        return outcome.message, outcome.exit_code
    try:
        return install_deck(folder, outcome)
    except Exception as exc:
        return failure_message(exc)
