"""``convanim gallery SCENES... -o DIR``: render scenes and write a static HTML page of them."""

from __future__ import annotations

from pathlib import Path

import click

from convanim.cli.options import (
    cluster_option,
    force_option,
    jobs_option,
    max_size_option,
    no_cache_option,
    output_dir_option,
    quality_option,
)
from convanim.gallery import GALLERY_FORMATS

__all__ = ["gallery_command"]


@click.command("gallery", short_help="Render scenes and write a static HTML page of them.")
@click.argument("scenes", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_dir_option("media/gallery", "Folder of the page (index.html) and its media.")
@click.option(
    "--format", "fmt", type=click.Choice(GALLERY_FORMATS), default="gif", show_default=True,
    help="Media shown for each scene.",
)  # fmt: skip
@quality_option()
@max_size_option("GIF only: largest file size per scene, e.g. 5MB.")
@jobs_option("Worker processes: scenes render side by side.")
@force_option("Render even the scenes whose media are up to date.")
@no_cache_option()
@click.option("--title", default="convanim gallery", show_default=True, help="Page heading.")
@cluster_option()
def gallery_command(
    scenes: tuple[Path, ...],
    output: Path,
    fmt: str,
    quality: str,
    max_size: str | None,
    jobs: int,
    force: bool,
    title: str,
    cluster: str | None,
) -> None:
    """Render every spec in SCENES (files, or folders of *.yaml) and write DIR/index.html
    showing each scene's animation, its shape tables and counts, and its YAML.

    Media go beside the page; scenes whose media are up to date are not rendered again. The page
    is written even if some scenes fail (they show their error); the exit code is then 2 if bad
    specs failed, 1 if anything else failed.
    """
    from convanim.batch import batch_exit_code, format_summary
    from convanim.cli.render_command import render_options, report_result
    from convanim.gallery import build_gallery, find_specs
    from convanim.output import install_signal_cleanup

    options = render_options(fmt, quality, max_size, False)
    specs = find_specs(scenes)
    install_signal_cleanup()
    result = build_gallery(
        specs, output, options, jobs=jobs, force=force, title=title, on_result=report_result,
        cluster=cluster,
    )  # fmt: skip
    click.echo(format_summary(result.results))
    click.echo(f"wrote {result.page}")
    code = batch_exit_code(result.results)
    if code:
        failed = sum(r.status == "failed" for r in result.results)
        click.echo(f"{failed} of {len(result.results)} scenes failed", err=True)
        click.get_current_context().exit(code)
