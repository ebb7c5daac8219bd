"""``convanim cache info|clear``: the cache of text outlines kept between runs."""

from __future__ import annotations

import click

from convanim.renderer import outline_cache

__all__ = ["cache_command"]


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


@click.group("cache", short_help="Show or clear the cache of text outlines.")
def cache_command() -> None:
    """The cache of text outlines (Pango layouts turned into curves), kept between runs in the
    user cache folder or in $CONVANIM_CACHE_DIR. `render --no-cache` (or CONVANIM_NO_CACHE=1)
    bypasses it."""


@cache_command.command("info")
def cache_info() -> None:
    """Print the cache folder, its entries and size, and whether it is in use."""
    found = outline_cache.info()
    click.echo(f"folder:   {found.root}")
    click.echo(f"in use:   {'yes' if found.enabled else 'no (CONVANIM_NO_CACHE is set)'}")
    click.echo(f"entries:  {found.entries} text outlines, {_size(found.bytes)}")
    click.echo(f"versions: {', '.join(found.versions) if found.versions else '-'}")


@cache_command.command("clear")
def cache_clear() -> None:
    """Remove every cached text outline (they are made again when needed)."""
    removed = outline_cache.clear()
    click.echo(f"removed {removed} text outlines from {outline_cache.cache_root()}")
