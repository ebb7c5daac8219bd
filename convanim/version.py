"""The version of convanim, read once from the installed distribution or the source tree."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path

__all__ = ["version"]


@cache
def version() -> str:
    """The version of convanim: the installed distribution's, else the source tree's pyproject.

    Returns
    -------
    str
        For example ``"0.1.0"``; ``"unknown"`` if neither source can be read.
    """
    try:
        return metadata.version("convanim")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        import tomllib

        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (ImportError, OSError, KeyError, ValueError):
        return "unknown"
