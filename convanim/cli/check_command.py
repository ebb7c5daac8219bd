"""``convanim check SPEC... [-q l|m|h|k]``: find texts that collide and items that leave the frame.

Each spec's video is sampled at every event boundary and at least 30 more times
(:mod:`convanim.renderer.collisions`); nothing is drawn or encoded. Exit 0 when no spec has a
finding, 1 when some have, 2 when a spec is bad (its error is printed and the others are checked).
"""

from __future__ import annotations

from pathlib import Path

import click

from convanim.cli.options import no_cache_option, quality_option

__all__ = ["check_command"]


@click.command("check", short_help="Find texts that overlap and items that leave the frame.")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@quality_option()
@no_cache_option()
def check_command(specs: tuple[Path, ...], quality: str) -> None:
    """Check the layout of every spec in SPECS (files, or folders of *.yaml) at one quality.

    Reports each text that overlaps another text or a block, and each text or block that leaves
    the safe area (3 % of the frame from each edge) while visible, with the time and the items,
    sampling every event boundary and at least 30 more times. Exit 0 when all are clean, 1 when
    collisions were found, 2 when a spec is bad.
    """
    from convanim.errors import SpecError
    from convanim.gallery import find_specs
    from convanim.output import QUALITIES
    from convanim.pipeline import build_timeline
    from convanim.renderer import FrameFormat
    from convanim.renderer.collisions import check_timeline
    from convanim.spec import load

    q = QUALITIES[quality]
    fmt = FrameFormat(q.width, q.height, q.fps)
    paths = find_specs(specs)
    bad = 0
    dirty = 0
    total = 0
    for path in paths:
        try:
            timeline = build_timeline(load(path))
        except SpecError as err:
            click.echo(f"convanim: error: {err}", err=True)
            bad += 1
            continue
        findings = check_timeline(timeline, fmt)
        for finding in findings:
            click.echo(f"{path}: {finding.describe()}")
        total += len(findings)
        dirty += bool(findings)
    checked = len(paths) - bad
    summary = (
        f"checked {checked} of {len(paths)} specs at {q.width}×{q.height}: "
        f"{total} findings in {dirty} specs"
    )
    if bad:
        summary += f", {bad} bad specs"
    click.echo(summary)
    if bad or dirty:
        click.get_current_context().exit(2 if bad else 1)
