"""A cache on disk of text outlines (arrays of Bézier points), kept between runs and processes.

Laying a text out with Pango and turning its glyphs into outlines costs milliseconds per text,
and every process of every run used to pay it again for the same strings. The outlines depend
only on the text, the font files, the weight and the code that made them, so they are stored
under a key made of exactly these (see docs/design.md, "Text outlines and their cache"):

- the folder is ``$CONVANIM_CACHE_DIR`` or else the user cache folder (``platformdirs``), with
  a sub-folder per convanim version;
- ``CONVANIM_NO_CACHE=1`` (the CLI's ``--no-cache``) bypasses it: nothing is read or written;
- entries are written to a temporary file and renamed into place, so concurrent writers (``-j``
  workers, several renders at once) never leave a half-written entry; an entry that cannot be
  read (truncated, corrupt) is ignored and written again.

This module needs no manim; the renderer's text builder decides what goes in.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CacheInfo", "cache_dir", "cache_enabled", "clear", "entry_key", "info", "load", "store"]

_ENV_DIR = "CONVANIM_CACHE_DIR"
_ENV_OFF = "CONVANIM_NO_CACHE"
_KIND = "outlines"


def _version() -> str:
    from convanim.version import version

    return version()


def cache_enabled() -> bool:
    """False when ``CONVANIM_NO_CACHE`` is set to anything but ``""`` or ``"0"``."""
    return os.environ.get(_ENV_OFF, "") in ("", "0")


def cache_root() -> Path:
    """The cache's root folder: ``$CONVANIM_CACHE_DIR`` or the user cache folder of convanim."""
    configured = os.environ.get(_ENV_DIR, "")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("convanim", appauthor=False))


def cache_dir() -> Path:
    """The folder this version's outlines live in (not created until something is stored)."""
    return cache_root() / _KIND / _version()


def entry_key(*parts: object) -> str:
    """A file-name-safe key for the parts of an entry's identity (texts, hashes, numbers)."""
    digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
    return digest[:40]


def _path(key: str) -> Path:
    return cache_dir() / key[:2] / f"{key}.npy"


def load(key: str) -> np.ndarray | None:
    """The array stored under ``key``, or None when absent, unreadable or the cache is off."""
    if not cache_enabled():
        return None
    path = _path(key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return None  # corrupt or truncated: rebuilt and written again by the caller
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        return None
    return array


def store(key: str, array: np.ndarray) -> None:
    """Write ``array`` under ``key`` atomically (best effort: a read-only cache is skipped)."""
    if not cache_enabled():
        return
    path = _path(key)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(buffer.getvalue())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return


@dataclass(frozen=True)
class CacheInfo:
    """What ``convanim cache info`` reports."""

    root: Path
    enabled: bool
    entries: int
    bytes: int
    versions: tuple[str, ...]


def info() -> CacheInfo:
    """Entries and bytes in the cache (all versions), its folder and whether it is used."""
    root = cache_root()
    entries = 0
    size = 0
    versions: list[str] = []
    base = root / _KIND
    if base.is_dir():
        versions = sorted(p.name for p in base.iterdir() if p.is_dir())
        for file in base.rglob("*.npy"):
            if file.name.startswith(".tmp-"):
                continue
            try:
                size += file.stat().st_size
            except OSError:
                continue
            entries += 1
    return CacheInfo(root, cache_enabled(), entries, size, tuple(versions))


def clear() -> int:
    """Remove every cached outline (all versions); returns how many entries were removed."""
    before = info().entries
    shutil.rmtree(cache_root() / _KIND, ignore_errors=True)
    return before
