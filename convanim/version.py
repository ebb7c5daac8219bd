"""The version of convanim, read once from the installed distribution or the source tree."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

__all__ = ["RENDER_LIBRARIES", "build_identity", "identity_mismatch", "source_hash", "version"]


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


#: Libraries whose versions change the frames or the files written (checked on cluster workers).
RENDER_LIBRARIES = ("manim", "av", "numpy", "pillow", "pycairo", "manimpango")


@cache
def source_hash() -> str:
    """SHA-256 of the package's Python source: every ``convanim/**/*.py``, names included.

    Two installs with the same :func:`version` but edited sources (a checkout between releases)
    differ here, so a cluster worker running other code is caught before it draws a frame.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_identity() -> dict[str, str]:
    """What a process renders with: convanim's version and source hash, and the versions of
    :data:`RENDER_LIBRARIES` (``"missing"`` for one not installed).

    Returns
    -------
    dict
        ``{"convanim": "0.1.0", "source": "<sha256>", "manim": "0.21.0", ...}``.
    """
    identity = {"convanim": version(), "source": source_hash()}
    for name in RENDER_LIBRARIES:
        try:
            identity[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            identity[name] = "missing"
    return identity


def identity_mismatch(expected: dict[str, str], actual: dict[str, str]) -> str | None:
    """A one-line description of how ``actual`` differs from ``expected``, or None if equal.

    Example: ``"convanim source 3f2a91c0d4e1 here, 77b0e3aa12c9 expected; manim 0.21.0 here,
    0.22.0 expected"``.
    """
    parts = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name, "missing"), actual.get(name, "missing")
        if want != have:
            label = "convanim source" if name == "source" else name
            if name == "source":
                want, have = want[:12], have[:12]
            parts.append(f"{label} {have} here, {want} expected")
    return "; ".join(parts) or None
