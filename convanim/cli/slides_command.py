"""``convanim slides SPEC... -o DIR``: each spec as a slide deck for the classroom.

Per spec: ``DIR/<spec stem>/index.html`` (its own player: arrow keys, speaker notes, overview;
nothing fetched from the network), ``media/`` (one video and thumbnail per slide) and
``slides/<spec stem>.json`` for manim-slides. See :mod:`convanim.pipeline.deck`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from convanim.cli.options import (
    cluster_option,
    jobs_option,
    language_option,
    no_cache_option,
    output_dir_option,
    quality_option,
)

if TYPE_CHECKING:
    from convanim.pipeline.deck import DeckReport
    from convanim.spec import SceneSpec

__all__ = ["slides_command"]


@click.command("slides", short_help="Write each spec as an offline slide deck (HTML + videos).")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_dir_option("media/slides", "Folder of the decks: one DIR/<spec stem>/ per spec.")
@quality_option()
@language_option(
    "Language of the words on screen and in the notes (default: the spec's labels.language)."
)
@jobs_option("Worker processes drawing the slides of a spec (not used with --cluster).")
@cluster_option()
@no_cache_option()
def slides_command(
    specs: tuple[Path, ...],
    output: Path,
    quality: str,
    language: str | None,
    jobs: int,
    cluster: str | None,
) -> None:
    """Write each SPEC as a slide deck in DIR/<spec stem>/: index.html with one slide per
    step (title, each op's introduction, every window played in full, the fast-forwarded rest,
    the result, a summary), their videos and thumbnails in media/, and the manim-slides
    presentation slides/<spec stem>.json.

    The slides are cut from one render of the scene, so they show the frames of
    `convanim render`. Open index.html in a browser: → / space next, ← back, S speaker
    notes, O overview, F full screen.

    With --cluster (or $CONVANIM_CLUSTER) each spec's deck is a task on a Dask cluster; the
    decks come back as files and are written here.
    """
    from convanim.output import QUALITIES, install_signal_cleanup
    from convanim.pipeline.deck import write_deck
    from convanim.spec import load

    install_signal_cleanup()
    loaded = [load(path) for path in specs]  # every spec checked before the first render
    stems = [path.stem for path in specs]
    if len(set(stems)) != len(stems):
        from convanim.errors import UsageError

        twice = sorted({s for s in stems if stems.count(s) > 1})
        raise UsageError(f"two specs would write the same deck {output / twice[0]}; rename one")
    if cluster:
        _on_cluster(specs, loaded, output, quality, language, cluster)
        return
    for path, spec in zip(specs, loaded, strict=True):
        target = output / path.stem
        if sys.stderr.isatty():
            click.echo(f"{path} -> {target}/", err=True)
        report = write_deck(spec, target, QUALITIES[quality], jobs=jobs, language=language)
        click.echo(_wrote(report))


def _wrote(report: DeckReport) -> str:
    return f"wrote {report.page} ({len(report.slides)} slides) and {report.presentation}"


def _on_cluster(
    specs: tuple[Path, ...],
    loaded: list[SceneSpec],
    output: Path,
    quality: str,
    language: str | None,
    cluster: str,
) -> None:
    """The decks written on a Dask cluster (:func:`~convanim.batch.cluster.write_decks_on_cluster`),
    each reported as it comes back, with the decks done / total on stderr."""
    from convanim.batch.cluster import write_decks_on_cluster

    def on_deck(report: DeckReport, done: int, total: int) -> None:
        click.echo(f"[{done}/{total}] {report.page.parent}/", err=True)
        click.echo(_wrote(report))

    decks = [(path, spec, output / path.stem) for path, spec in zip(specs, loaded, strict=True)]
    write_decks_on_cluster(decks, quality, cluster, language=language, on_deck=on_deck)
