"""``convanim render SPEC...``: render specs to MP4, GIF, WebM or PNG.

Kept apart from :mod:`convanim.cli` so that ``inspect`` never imports the renderer; manim is
imported only when a render starts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from convanim.errors import ConvanimError, UsageError

FORMATS = ("mp4", "gif", "webm", "png")


def default_output(spec_path: Path, fmt: str) -> Path:
    """``media/<spec stem>.<ext>`` (relative to the current folder)."""
    return Path("media") / f"{spec_path.stem}.{fmt}"


def _human_bytes(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size} B"


def _outputs(specs: tuple[Path, ...], fmt: str, output: Path | None) -> list[Path]:
    if output is None:
        return [default_output(s, fmt) for s in specs]
    if len(specs) == 1 and not (output.exists() and output.is_dir()):
        return [output]
    # Several specs and -o: -o is a folder.
    return [output / f"{s.stem}.{fmt}" for s in specs]


def render_one(
    spec_path: Path,
    out_path: Path,
    fmt: str,
    quality_key: str,
    max_size: str | None,
    transparent: bool,
    show_progress: bool,
) -> str:
    """Render one spec and return the one-line summary of what was written."""
    from convanim.engine import plan
    from convanim.output import QUALITIES, parse_size
    from convanim.render import RenderJob, render_plan
    from convanim.spec import load

    spec = load(spec_path)
    the_plan = plan(spec)
    job = RenderJob(
        spec=spec,
        output=out_path,
        format=fmt,
        quality=QUALITIES[quality_key],
        max_bytes=parse_size(max_size) if max_size else None,
        transparent=transparent,
    )
    started = time.perf_counter()
    if show_progress:
        with click.progressbar(
            length=1, label=f"{spec_path.name} -> {out_path}", file=sys.stderr, width=30
        ) as bar:
            done = [0]

            def progress(n: int, total: int) -> None:
                bar.length = total
                bar.update(n - done[0])
                done[0] = n

            report = render_plan(the_plan, job, progress)
    else:
        report = render_plan(the_plan, job)
    seconds = time.perf_counter() - started
    extra = f", {report.note}" if getattr(report, "note", "") else ""
    return (
        f"wrote {report.path} ({_human_bytes(report.bytes)}, {report.frames} frames, "
        f"{report.width}×{report.height}@{report.fps:g}{extra}) in {seconds:.1f} s"
    )


@click.command("render")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-q",
    "--quality",
    type=click.Choice(["l", "m", "h", "k"]),
    default="l",
    show_default=True,
    help="l 854×480@15, m 1280×720@30, h 1920×1080@60, k 3840×2160@60.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="mp4", show_default=True,
    help="Output format; png is a poster frame.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None,
    help="Output file (one spec) or folder (several). Default: media/<spec stem>.<ext>.",
)  # fmt: skip
@click.option(
    "--max-size", default=None, metavar="SIZE",
    help="GIF only: largest file size, e.g. 5MB; frame rate, scale and palette are chosen to fit.",
)  # fmt: skip
@click.option(
    "--transparent", is_flag=True, default=False,
    help="Transparent background (webm and png).",
)  # fmt: skip
def render_command(
    specs: tuple[Path, ...],
    quality: str,
    fmt: str,
    output: Path | None,
    max_size: str | None,
    transparent: bool,
) -> None:
    """Render each SPEC to a video or image (default media/<spec stem>.<ext>)."""
    if max_size and fmt != "gif":
        raise UsageError("--max-size applies to --format gif only")
    if transparent and fmt not in ("webm", "png"):
        raise UsageError("--transparent needs --format webm or png (MP4 and GIF have no alpha)")
    from convanim.output import install_signal_cleanup

    install_signal_cleanup()
    outputs = _outputs(specs, fmt, output)
    show_progress = sys.stderr.isatty()
    failures: list[tuple[Path, ConvanimError]] = []
    for spec_path, out_path in zip(specs, outputs, strict=True):
        try:
            click.echo(
                render_one(spec_path, out_path, fmt, quality, max_size, transparent, show_progress)
            )
        except ConvanimError as err:
            if len(specs) == 1:
                raise
            click.echo(f"convanim: error: {err}", err=True)
            failures.append((spec_path, err))
    if failures:
        code = max(err.exit_code for _, err in failures)
        click.echo(f"{len(failures)} of {len(specs)} specs failed", err=True)
        raise SystemExit(code)
