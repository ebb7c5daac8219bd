"""Output formats, quality presets, size parsing and the report of what was written.

Pure Python: nothing here imports PyAV or Pillow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from convanim.errors import UsageError

__all__ = [
    "ALL_FORMATS",
    "ALPHA_FORMATS",
    "FORMATS",
    "QUALITIES",
    "GifAttempt",
    "GifChoice",
    "OutputReport",
    "Quality",
    "check_format",
    "human_size",
    "parse_size",
]


@dataclass(frozen=True)
class Quality:
    """A quality preset: frame size in pixels and frame rate.

    Attributes
    ----------
    name : str
        The preset key used by ``-q`` (``"l"``, ``"m"``, ``"h"``, ``"k"``).
    width, height : int
        Frame size in pixels.
    fps : int
        Frames per second.
    """

    name: str
    width: int
    height: int
    fps: int

    @property
    def label(self) -> str:
        """``"854×480@15"``."""
        return f"{self.width}×{self.height}@{self.fps}"


#: Quality presets by ``-q`` key: 480p15, 720p30, 1080p60, 2160p60.
QUALITIES: dict[str, Quality] = {
    "l": Quality("l", 854, 480, 15),
    "m": Quality("m", 1280, 720, 30),
    "h": Quality("h", 1920, 1080, 60),
    "k": Quality("k", 3840, 2160, 60),
}

#: File formats of ``convanim render --format``; ``png`` is a poster frame.
FORMATS: tuple[str, ...] = ("mp4", "gif", "webm", "png")

#: Every format :func:`~convanim.output.open_writer` accepts (``png-seq``: a folder of PNGs).
ALL_FORMATS: tuple[str, ...] = (*FORMATS, "png-seq")

#: Formats that can keep a transparent background.
ALPHA_FORMATS: tuple[str, ...] = ("webm", "png", "png-seq")


def check_format(fmt: str, *, transparent: bool = False, max_bytes: int | None = None) -> None:
    """Raise :class:`UsageError` unless ``fmt`` (with these options) can be written.

    Parameters
    ----------
    fmt : str
        One of :data:`ALL_FORMATS`.
    transparent : bool
        A transparent background was asked for (WebM, PNG and PNG sequences only).
    max_bytes : int or None
        A size budget was asked for (GIF only).
    """
    if fmt not in ALL_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; allowed: {', '.join(ALL_FORMATS)}")
    if transparent and fmt not in ALPHA_FORMATS:
        raise UsageError(
            f"a transparent background needs webm, png or png-seq ({fmt} has no alpha channel)"
        )
    if max_bytes is not None and fmt != "gif":
        raise UsageError(f"a size limit applies to gif only, not {fmt}")
    if max_bytes is not None and max_bytes <= 0:
        raise UsageError(f"the size limit must be positive, got {max_bytes} bytes")


_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "k": 1000,
    "m": 1000**2,
    "g": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """Read a file size such as ``"5MB"``, ``"1.5 MB"``, ``"800KiB"`` or ``"1000000"``.

    Decimal units (``KB`` = 1000 bytes, ``MB`` = 1000² bytes) and binary units (``KiB`` = 1024,
    ``MiB`` = 1024²) are accepted, in any letter case; a bare number is bytes.

    Parameters
    ----------
    text : str
        The size as a user typed it.

    Returns
    -------
    int
        The size in bytes, rounded down.

    Raises
    ------
    UsageError
        If the text is not a positive number with one of the units B, KB, MB, GB, KiB, MiB, GiB.
    """
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise UsageError(
            f"cannot read {text!r} as a size: use a number with a unit B, KB, MB, KiB or MiB, "
            "e.g. 5MB or 800KiB"
        )
    size = int(float(match.group(1)) * _UNITS[unit])
    if size <= 0:
        raise UsageError(f"the size {text!r} must be more than 0 bytes")
    return size


def human_size(size: int) -> str:
    """``4_812_345`` -> ``"4.81 MB"`` (decimal units, as upload limits are stated)."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} B"  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class GifAttempt:
    """One encoding pass of the GIF size search.

    Attributes
    ----------
    fps : float
        Frame rate of the pass.
    scale : float
        Scale factor of the frame size.
    colors : int
        Palette size (transparent entry included).
    bytes : int
        Size of the file; when ``complete`` is false, the size reached when the pass gave up
        (the full file would be bigger).
    complete : bool
        True if the pass ran to the end.
    """

    fps: float
    scale: float
    colors: int
    bytes: int
    complete: bool


@dataclass(frozen=True)
class GifChoice:
    """What the GIF encoder chose, and why.

    Attributes
    ----------
    fps : float
        Frame rate of the GIF.
    scale : float
        Scale of the frames relative to the rendered size.
    width, height : int
        Frame size of the GIF in pixels.
    colors : int
        Size of the global palette.
    images : int
        Images stored in the file (unchanged frames are merged into longer holds).
    attempts : tuple of GifAttempt
        Every pass tried, in order; the last one is the file written.
    """

    fps: float
    scale: float
    width: int
    height: int
    colors: int
    images: int
    attempts: tuple[GifAttempt, ...]

    def describe(self) -> str:
        """``"15 fps, 854×480, 256 colours, 143 images"`` plus the number of tries."""
        text = f"{self.fps:g} fps, {self.width}×{self.height}"
        if self.scale != 1.0:
            text += f" (scale {self.scale:.2f})"
        text += f", {self.colors} colours, {self.images} images"
        if len(self.attempts) > 1:
            text += f", chosen after {len(self.attempts)} tries"
        return text


@dataclass(frozen=True)
class OutputReport:
    """What a frame writer wrote.

    Attributes
    ----------
    path : Path
        The output file (or folder, for ``png-seq``).
    format : str
        One of :data:`ALL_FORMATS`.
    bytes : int
        Size on disk (for ``png-seq``, the sum of the files).
    frames : int
        Frames in the output at its frame rate (1 for ``png``).
    fps : float
        Frame rate of the output.
    width, height : int
        Frame size of the output in pixels.
    gif : GifChoice or None
        For GIF, the settings the encoder chose.
    """

    path: Path
    format: str
    bytes: int
    frames: int
    fps: float
    width: int
    height: int
    gif: GifChoice | None = None

    @property
    def note(self) -> str:
        """A short remark for the one-line summary (empty unless there is something to say)."""
        return f"GIF {self.gif.describe()}" if self.gif is not None else ""
