"""Render one task: load the spec, skip it if its output is up to date, else render and record.

:func:`render_task` is the process-pool worker: a top-level function of picklable arguments that
never raises for a bad spec or a failed render (it returns a failed :class:`TaskResult`), so one
bad spec does not stop a batch. :func:`execute` is the same work for a single spec, raising
:class:`~convanim.errors.ConvanimError` so the command line reports it with its usual message.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.batch.cache import cache_inputs, cache_key, is_up_to_date, write_sidecar
from convanim.batch.task import RenderTask, TaskResult
from convanim.errors import ConvanimError
from convanim.version import version

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.pipeline import OutputSettings, ProgressCallback
    from convanim.spec import SceneSpec

__all__ = [
    "Prepared",
    "describe_report",
    "execute",
    "failed_result",
    "failure_message",
    "finish",
    "output_settings",
    "prepare",
    "render_task",
    "worker_init",
]


def describe_report(report: OutputReport, seconds: float) -> str:
    """``wrote media/x.gif (1.21 MB, 232 frames, 854×480@15, GIF ...) in 14.3 s``."""
    from convanim.output import human_size

    extra = f", {report.note}" if report.note else ""
    return (
        f"wrote {report.path} ({human_size(report.bytes)}, {report.frames} frames, "
        f"{report.width}×{report.height}@{report.fps:g}{extra}) in {seconds:.1f} s"
    )


@dataclass(frozen=True)
class Prepared:
    """A task whose output must be rendered: its loaded spec and cache key.

    Attributes
    ----------
    spec : SceneSpec
        The loaded (validated) spec.
    inputs : dict
        What the key is computed from (:func:`convanim.batch.cache.cache_inputs`).
    key : str
        The cache key the sidecar records once the output is written.
    started : float
        ``time.perf_counter()`` when the task started.
    """

    spec: SceneSpec
    inputs: dict[str, Any]
    key: str
    started: float


def prepare(task: RenderTask) -> Prepared | TaskResult:
    """Load the spec and decide: a ``skipped`` result if the output is up to date (and the task
    is not forced), else what :func:`finish` needs after the render.

    Raises
    ------
    ConvanimError
        A bad spec (exit code 2) or an unreadable ``.npy`` file.
    """
    from convanim.spec import load

    started = time.perf_counter()
    options = task.options
    spec = options.applied_to(load(task.spec))
    inputs = cache_inputs(task.spec, spec, options, version())
    key = cache_key(inputs)
    extras_exist = all(p.is_file() for p in options.extra_outputs(task.output))
    if not task.force and extras_exist and is_up_to_date(task.output, key):
        return TaskResult(
            task.spec,
            task.output,
            "skipped",
            _size(task),
            time.perf_counter() - started,
            f"skipped {task.spec}: {task.output} is up to date (--force renders it again)",
        )
    return Prepared(spec, inputs, key, started)


def output_settings(task: RenderTask, output: Path | None = None) -> OutputSettings:
    """The pipeline's settings for ``task`` (writing to ``output``, default ``task.output``)."""
    from convanim.output import QUALITIES
    from convanim.pipeline import OutputSettings

    options = task.options
    return OutputSettings(
        output=task.output if output is None else output,
        format=options.format,
        quality=QUALITIES[options.quality],
        max_bytes=options.max_bytes,
        transparent=options.transparent,
        captions=options.captions,
        burn_captions=options.burn_captions,
        poster=options.poster,
    )


def finish(task: RenderTask, prepared: Prepared, report: OutputReport) -> TaskResult:
    """After the output (and what goes beside it) is in place: write its sidecar and return the
    ``rendered`` result."""
    write_sidecar(task.output, prepared.key, prepared.inputs)
    seconds = time.perf_counter() - prepared.started
    return TaskResult(
        task.spec,
        task.output,
        "rendered",
        report.bytes,
        seconds,
        describe_report(report, seconds),
    )


def execute(task: RenderTask, progress: ProgressCallback | None = None) -> TaskResult:
    """Render ``task`` unless its output is up to date (or ``task.force``); raise on failure.

    Parameters
    ----------
    task : RenderTask
        The spec, output and options.
    progress : callable or None
        ``progress(frames_done, frames_total)`` while rendering.

    Returns
    -------
    TaskResult
        Status ``rendered`` or ``skipped``.

    Raises
    ------
    ConvanimError
        Bad spec (exit code 2), unwritable output, and other failures the renderer reports.
    """
    from convanim.pipeline import render_spec

    prepared = prepare(task)
    if isinstance(prepared, TaskResult):
        return prepared
    report = render_spec(prepared.spec, output_settings(task), progress, jobs=task.segment_jobs)
    return finish(task, prepared, report)


def _size(task: RenderTask) -> int | None:
    from convanim.batch.cache import output_digest

    digest = output_digest(task.output)
    return digest[0] if digest else None


def render_task(task: RenderTask) -> TaskResult:
    """Process-pool worker: :func:`execute` with every failure turned into a failed result.

    Parameters
    ----------
    task : RenderTask
        The spec, output and options.

    Returns
    -------
    TaskResult
        ``failed`` results carry the message the command line prints after ``convanim: error:``
        (``internal error: ...`` for bugs) and the exit code (2 bad input, 1 anything else).
    """
    started = time.perf_counter()
    try:
        return execute(task)
    except Exception as exc:  # a worker must report, not die: the batch goes on
        return failed_result(task, exc, time.perf_counter() - started)


def failure_message(exc: BaseException) -> tuple[str, int]:
    """The message and exit code of a failed task: a ConvanimError's own, else ``internal
    error: <type>: <message>`` (exit code 1)."""
    if isinstance(exc, ConvanimError):
        return str(exc), exc.exit_code
    return "internal error: " + " ".join(f"{type(exc).__name__}: {exc}".split()), 1


def failed_result(task: RenderTask, exc: BaseException, seconds: float) -> TaskResult:
    """The ``failed`` result of ``task`` for ``exc`` (see :func:`failure_message`)."""
    message, code = failure_message(exc)
    return TaskResult(task.spec, task.output, "failed", None, seconds, message, code)


def worker_init(parent_pid: int | None = None) -> None:
    """Pool initializer: a worker stops with its parent and cleans up after itself.

    SIGINT is left to the parent (Ctrl-C reaches the whole process group; the parent stops its
    workers); SIGTERM removes the worker's temporary outputs and ends it at once; and the
    worker gets SIGTERM when ``parent_pid`` dies, even by SIGKILL (see
    :mod:`convanim.lifetime`), so no orphan goes on rendering.

    Importing :mod:`convanim.renderer.manim` gives each process a private text folder of its own
    (manim writes and deletes a modified copy of each text's SVG, so processes sharing one folder
    race on those files).

    Parameters
    ----------
    parent_pid : int or None
        The pid of the process that started the pool.
    """
    from convanim.lifetime import die_with_parent, stop_worker_on_signal

    stop_worker_on_signal()
    die_with_parent(parent_pid)
    # Without the drawing libraries each task fails with renderer.environment's message instead
    # of the initializer breaking the whole pool.
    with contextlib.suppress(ImportError, OSError):
        import convanim.renderer.manim  # noqa: F401  (private text folder for this worker)
