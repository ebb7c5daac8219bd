"""Run render tasks, in this process or in a pool of worker processes.

Workers are started with ``spawn`` (or ``forkserver`` where asked): a fresh interpreter per
worker, no state inherited from the parent (manim and Cairo do not like being forked). Each
worker runs :func:`convanim.batch.worker.render_task`, which returns a result for every spec,
failed ones included, so one bad spec never stops the batch. If the parent is interrupted, the
workers it started are terminated; their signal handlers remove temporary outputs, and existing
outputs are never touched.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from convanim.batch.task import RenderTask, ResultCallback, TaskResult
from convanim.batch.worker import render_task, worker_init

__all__ = ["START_METHODS", "ResultCallback", "run_batch"]

#: Start methods a pool may use (``fork`` is not offered).
START_METHODS = ("spawn", "forkserver")


def _broken(task: RenderTask) -> TaskResult:
    return TaskResult(
        task.spec,
        task.output,
        "failed",
        None,
        0.0,
        "the worker process stopped before finishing this spec (killed, or out of memory?); "
        "render it on its own to see why",
        1,
    )


def run_batch(
    tasks: Sequence[RenderTask],
    jobs: int = 1,
    on_result: ResultCallback | None = None,
    start_method: str = "spawn",
    cluster: str | Any | None = None,
) -> list[TaskResult]:
    """Render every task and return the results in task order.

    Parameters
    ----------
    tasks : sequence of RenderTask
        What to render.
    jobs : int
        Worker processes; 1 (or a single task) renders in this process.
    on_result : callable or None
        ``on_result(result, done, total)`` as each task finishes.
    start_method : {"spawn", "forkserver"}
        How worker processes start.
    cluster : str, distributed.Client or None
        Render on a Dask cluster instead (``tcp://host:8786``, ``local:N`` or a connected
        client; see :mod:`convanim.batch.cluster`); ``jobs`` is then ignored.

    Returns
    -------
    list of TaskResult
        One per task, same order.
    """
    if start_method not in START_METHODS:
        raise ValueError(f"start_method must be one of {START_METHODS}, not {start_method!r}")
    if cluster is not None:
        from convanim.batch.cluster import run_on_cluster

        return run_on_cluster(tasks, cluster, on_result)
    total = len(tasks)
    results: list[TaskResult | None] = [None] * total
    if jobs <= 1 or total <= 1:
        for index, task in enumerate(tasks):
            results[index] = render_task(task)
            if on_result:
                on_result(results[index], index + 1, total)  # type: ignore[arg-type]
        return [r for r in results if r is not None]

    context = multiprocessing.get_context(start_method)
    before = set(multiprocessing.active_children())
    executor = ProcessPoolExecutor(
        max_workers=min(jobs, total),
        mp_context=context,
        initializer=worker_init,
        initargs=(os.getpid(),),
    )
    try:
        futures: dict[Future[TaskResult], int] = {
            executor.submit(render_task, task): index for index, task in enumerate(tasks)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            index = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                result = _broken(tasks[index])
            results[index] = result
            if on_result:
                on_result(result, done, total)
    except BaseException:
        for child in set(multiprocessing.active_children()) - before:
            child.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return [r for r in results if r is not None]
