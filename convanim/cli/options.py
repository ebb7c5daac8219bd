"""Click options that ``convanim render``, ``gallery`` and ``slides`` share, defined once.

Each factory returns a decorator; the commands keep their own help wording where what the
option acts on differs (specs or scenes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "cluster_option",
    "force_option",
    "jobs_option",
    "language_option",
    "max_size_option",
    "no_cache_option",
    "output_dir_option",
    "quality_option",
]

F = TypeVar("F", bound=Callable[..., Any])

#: ``--language`` values: ``convanim.spec.LANGUAGES``, written out so that the command line
#: starts without loading the spec models (a test keeps the two equal).
LANGUAGE_CHOICES = ("en", "zh")
#: ``-q`` values and what each renders at.
QUALITY_CHOICES = ("l", "m", "h", "k")


def quality_option() -> Callable[[F], F]:
    """``-q/--quality``: the render quality, ``l`` (the default), ``m``, ``h`` or ``k``."""
    return click.option(
        "-q", "--quality", type=click.Choice(QUALITY_CHOICES), default="l", show_default=True,
        help="l 854×480@15, m 1280×720@30, h 1920×1080@60, k 3840×2160@60.",
    )  # fmt: skip


def language_option(help_text: str) -> Callable[[F], F]:
    """``--language en|zh``: overrides every spec's ``labels.language`` (``None`` when not given).

    Parameters
    ----------
    help_text : str
        The option's help line.
    """
    return click.option(
        "--language", type=click.Choice(LANGUAGE_CHOICES), default=None, help=help_text
    )


def max_size_option(help_text: str) -> Callable[[F], F]:
    """``--max-size SIZE``: the largest GIF file size (``None`` when not given).

    Parameters
    ----------
    help_text : str
        The option's help line.
    """
    return click.option("--max-size", default=None, metavar="SIZE", help=help_text)


def jobs_option(help_text: str) -> Callable[[F], F]:
    """``-j/--jobs N``: worker processes, at least 1 (default 1).

    Parameters
    ----------
    help_text : str
        The option's help line.
    """
    return click.option(
        "-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help=help_text
    )


def force_option(help_text: str) -> Callable[[F], F]:
    """``--force``: render even what is up to date.

    Parameters
    ----------
    help_text : str
        The option's help line.
    """
    return click.option("--force", is_flag=True, default=False, help=help_text)


def _bypass_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        # An environment variable so that -j worker processes started later bypass it too.
        os.environ["CONVANIM_NO_CACHE"] = "1"


def no_cache_option() -> Callable[[F], F]:
    """``--no-cache``: neither read nor write the text-outline cache (``convanim cache info``)."""
    return click.option(
        "--no-cache", is_flag=True, default=False, expose_value=False, callback=_bypass_cache,
        help="Do not read or write the cache of text outlines (see `convanim cache info`).",
    )  # fmt: skip


def output_dir_option(default: str, help_text: str) -> Callable[[F], F]:
    """``-o/--output DIR``: the folder a command writes into (``default`` when not given).

    Parameters
    ----------
    default : str
        The folder used when the option is not given.
    help_text : str
        The option's help line.
    """
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path), default=Path(default), metavar="DIR",
        show_default=True, help=help_text,
    )  # fmt: skip


def cluster_option() -> Callable[[F], F]:
    """``--cluster ADDRESS`` (default: the ``CONVANIM_CLUSTER`` environment variable): render on
    a Dask cluster, ``tcp://HOST:8786`` or ``local:N`` (see :mod:`convanim.batch.cluster`)."""
    return click.option(
        "--cluster", default=None, metavar="ADDRESS", envvar="CONVANIM_CLUSTER",
        help="Render on a Dask cluster: a scheduler address (tcp://HOST:8786) or local:N for N "
        "worker processes here. Default: $CONVANIM_CLUSTER. Needs convanim[cluster].",
    )  # fmt: skip
