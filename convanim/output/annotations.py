"""What a video carries besides its frames: chapters, a cover picture, and WebVTT captions.

Chapters go into the container (MP4: a QuickTime chapter track and a Nero ``chpl`` box; WebM:
Matroska ``Chapters``), read back by PyAV's ``container.chapters()``, VLC and ffprobe. The cover
is an MP4 ``covr`` picture (a PNG stream with the ``attached_pic`` disposition); WebM allows no
attached pictures, so a WebM's poster is a PNG written beside it by whoever asks for one.
Captions are a ``.vtt`` file beside the video (:func:`vtt_text`). Everything here is a pure
function of its inputs, so outputs stay byte-for-byte reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CHAPTER_TIME_BASE",
    "Chapter",
    "Cue",
    "add_chapters",
    "add_cover",
    "png_bytes",
    "read_chapters",
    "vtt_text",
    "vtt_time",
]

CHAPTER_TIME_BASE = Fraction(1, 1000)
"""Chapter times are written in milliseconds."""


@dataclass(frozen=True)
class Chapter:
    """A titled part of a video, from ``start`` to ``end`` seconds."""

    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """A caption shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def add_chapters(container: Any, chapters: Sequence[Chapter]) -> None:
    """Set the chapters of an output container opened for writing (before its header)."""
    if not chapters:
        return
    container.set_chapters(
        [
            {
                "id": i + 1,
                "start": _ms(c.start),
                "end": _ms(c.end),
                "time_base": CHAPTER_TIME_BASE,
                "metadata": {"title": c.title},
            }
            for i, c in enumerate(chapters)
        ]
    )


def png_bytes(frame: np.ndarray) -> bytes:
    """A frame (RGB or RGBA ``uint8``) as PNG bytes (the same bytes for the same pixels)."""
    from PIL import Image

    mode = "RGBA" if frame.shape[2] == 4 else "RGB"
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame), mode).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def add_cover(container: Any, frame: np.ndarray) -> None:
    """Add ``frame`` (RGB, as PNG) as the cover picture of an MP4 opened for writing.

    Call it after adding the video stream (which stays the first stream) and before muxing any
    video packet: the PNG goes in as the one packet of an ``attached_pic`` stream, which the MP4
    muxer writes as the ``covr`` item of the file's metadata.
    """
    import av

    height, width = frame.shape[:2]
    stream = container.add_mux_stream("png", width=width, height=height)
    stream.time_base = Fraction(1, 90000)
    stream.disposition = av.stream.Disposition.attached_pic
    packet = av.Packet(png_bytes(np.ascontiguousarray(frame[:, :, :3])))
    packet.stream = stream
    packet.pts = packet.dts = 0
    container.mux(packet)


def vtt_time(seconds: float) -> str:
    """``83.5`` -> ``"00:01:23.500"`` (WebVTT's timestamp)."""
    ms = _ms(seconds)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def vtt_text(cues: Sequence[Cue]) -> str:
    """A WebVTT file of ``cues`` (numbered 1, 2...; ``-->`` and blank lines kept out of texts)."""
    lines = ["WEBVTT", ""]
    for i, cue in enumerate(cues, 1):
        text = " ".join(cue.text.replace("-->", "→").split())
        lines += [str(i), f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}", text, ""]
    return "\n".join(lines)


def read_chapters(path: str | Path) -> list[Chapter]:
    """The chapters of a video file, as PyAV reads them (times in seconds)."""
    import av

    with av.open(str(path)) as container:
        found = container.chapters()
    chapters = []
    for c in found:
        base = c["time_base"] or CHAPTER_TIME_BASE
        title = str(c["metadata"].get("title", ""))
        chapters.append(Chapter(title, float(c["start"] * base), float(c["end"] * base)))
    return chapters
