"""Batch rendering: many specs, a process pool, outputs skipped when up to date, a summary.

Usage::

    from convanim.batch import RenderOptions, format_summary, plan_tasks, run_batch

    tasks = plan_tasks([Path("scenes/a.yaml"), Path("scenes/b.yaml")], RenderOptions("gif"))
    results = run_batch(tasks, jobs=2)
    print(format_summary(results))

Modules: :mod:`~convanim.batch.task` (options, tasks, results, output paths),
:mod:`~convanim.batch.cache` (content hash and sidecars), :mod:`~convanim.batch.worker` (one
spec), :mod:`~convanim.batch.pool` (many), :mod:`~convanim.batch.summary` (table, exit code).
"""

from __future__ import annotations

from convanim.batch.cache import (
    CACHE_DIR,
    cache_inputs,
    cache_key,
    is_up_to_date,
    read_sidecar,
    sidecar_path,
    write_sidecar,
)
from convanim.batch.pool import run_batch
from convanim.batch.summary import batch_exit_code, format_summary
from convanim.batch.task import (
    RenderOptions,
    RenderTask,
    TaskResult,
    default_output,
    output_paths,
    plan_tasks,
)
from convanim.batch.worker import describe_report, execute, render_task

__all__ = [
    "CACHE_DIR",
    "RenderOptions",
    "RenderTask",
    "TaskResult",
    "batch_exit_code",
    "cache_inputs",
    "cache_key",
    "default_output",
    "describe_report",
    "execute",
    "format_summary",
    "is_up_to_date",
    "output_paths",
    "plan_tasks",
    "read_sidecar",
    "render_task",
    "run_batch",
    "sidecar_path",
    "write_sidecar",
]
