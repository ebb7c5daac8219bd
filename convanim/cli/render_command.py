"""``convanim render SPEC...``: render specs to MP4, GIF, WebM, PNG or a PNG sequence.

Kept apart from :mod:`convanim.cli` so that ``inspect`` never imports the renderer; manim is
imported only when a render starts. One spec renders in this process with a progress bar (on a
terminal); several specs go through :mod:`convanim.batch` (``-j N`` worker processes), skip
outputs that are up to date, and end with a summary table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from convanim.batch import (
    RenderOptions,
    RenderTask,
    TaskResult,
    batch_exit_code,
    execute,
    format_summary,
    plan_tasks,
    run_batch,
)
from convanim.cli.options import (
    cluster_option,
    force_option,
    jobs_option,
    language_option,
    max_size_option,
    no_cache_option,
    quality_option,
)

__all__ = [
    "FORMAT_CHOICES",
    "render_command",
    "render_options",
    "report_result",
    "run_tasks",
]

#: ``--format`` values: the formats of docs/design.md §4.3 and ``png-seq`` (a folder of frames).
FORMAT_CHOICES = ("mp4", "gif", "webm", "png", "png-seq")


def render_options(
    fmt: str,
    quality: str,
    max_size: str | None,
    transparent: bool,
    *,
    captions: bool = False,
    burn_captions: bool = False,
    poster: bool = False,
    language: str | None = None,
) -> RenderOptions:
    """Check the options together (raising :class:`~convanim.errors.UsageError`) and bundle them."""
    return RenderOptions.checked(
        fmt, quality, max_size, transparent,
        captions=captions, burn_captions=burn_captions, poster=poster, language=language,
    )  # fmt: skip


def _render_single(task: RenderTask) -> TaskResult:
    """One spec in this process, with a progress bar on a terminal; errors propagate."""
    if not sys.stderr.isatty():
        return execute(task)
    with click.progressbar(
        length=1, label=f"{task.spec.name} -> {task.output}", file=sys.stderr, width=30
    ) as bar:
        done = [0]

        def progress(n: int, total: int) -> None:
            bar.length = total
            bar.update(n - done[0])
            done[0] = n

        return execute(task, progress)


def report_result(result: TaskResult, done: int, total: int) -> None:
    """One line on stderr as each spec of a batch finishes (errors as ``convanim: error: ...``)."""
    if result.status == "failed":
        prefix = "" if result.message.startswith("internal error") else "error: "
        click.echo(f"convanim: {prefix}{result.message}", err=True)
    else:
        click.echo(f"[{done}/{total}] {result.message}", err=True)


def run_tasks(tasks: list[RenderTask], jobs: int, cluster: str | None = None) -> list[TaskResult]:
    """Render a batch, one line per finished spec on stderr, and print the summary on stdout.

    Parameters
    ----------
    tasks : list of RenderTask
        What to render.
    jobs : int
        Worker processes.
    cluster : str or None
        A Dask cluster to render on instead (``--cluster``).

    Returns
    -------
    list of TaskResult
        In task order.
    """
    results = run_batch(tasks, jobs=jobs, on_result=report_result, cluster=cluster)
    click.echo(format_summary(results))
    return results


@click.command("render", short_help="Render specs to MP4, GIF, WebM or PNG.")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@quality_option()
@click.option(
    "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="mp4", show_default=True,
    help="Output format; png is a poster frame, png-seq a folder of frames.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None,
    help="Output file (one spec) or folder (several). Default: media/<spec stem>.<ext>.",
)  # fmt: skip
@max_size_option(
    "GIF only: largest file size, e.g. 5MB; frame rate, scale and palette are chosen to fit."
)
@click.option(
    "--transparent", is_flag=True, default=False,
    help="Transparent background (webm, png and png-seq).",
)  # fmt: skip
@click.option(
    "--captions", is_flag=True, default=False,
    help="Also write WebVTT captions, <output stem>.vtt: one cue per step, in the video's "
    "language.",
)  # fmt: skip
@click.option(
    "--burn-captions", is_flag=True, default=False,
    help="Draw the captions into the frames (for GIFs, which no player shows captions on).",
)  # fmt: skip
@language_option("Language of the words on screen and in the captions (default: each spec's).")
@jobs_option(
    "Worker processes: several specs render side by side; one spec is cut into segments "
    "rendered in parallel and joined."
)
@force_option("Render even the specs whose outputs are up to date.")
@no_cache_option()
@cluster_option()
def render_command(
    specs: tuple[Path, ...],
    quality: str,
    fmt: str,
    output: Path | None,
    max_size: str | None,
    transparent: bool,
    captions: bool,
    burn_captions: bool,
    language: str | None,
    jobs: int,
    force: bool,
    cluster: str | None,
) -> None:
    """Render each SPEC to a video or image (default media/<spec stem>.<ext>).

    An output is skipped when it is up to date: same spec and .npy files, same convanim version,
    same options (a sidecar in .convanim-cache/ beside it records them). Several specs end with a
    summary table; the exit code is 2 if bad specs failed, 1 if anything else failed.

    With --cluster (or $CONVANIM_CLUSTER) each spec is a task on a Dask cluster; the workers
    get the spec and its files with the task and send the output back, written here.
    """
    from convanim.output import install_signal_cleanup

    options = render_options(
        fmt, quality, max_size, transparent,
        captions=captions, burn_captions=burn_captions, language=language,
    )  # fmt: skip
    install_signal_cleanup()
    tasks = plan_tasks(list(specs), options, output, force=force, segment_jobs=jobs)
    if len(tasks) == 1 and not cluster:
        click.echo(_render_single(tasks[0]).message)
        return
    if len(tasks) == 1:
        (result,) = run_batch(tasks, on_result=None, cluster=cluster)
        if result.status == "failed":  # reported as a local render reports it
            report_result(result, 1, 1)
            click.get_current_context().exit(result.exit_code)
        click.echo(result.message)
        return
    results = run_tasks(tasks, jobs, cluster)
    failed = sum(r.status == "failed" for r in results)
    if failed:
        click.echo(f"{failed} of {len(results)} specs failed", err=True)
        click.get_current_context().exit(batch_exit_code(results))
