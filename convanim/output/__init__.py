"""Outputs: rendered frames -> MP4, GIF, WebM, PNG or a PNG sequence, written atomically.

The renderer opens a writer and feeds it frames in order::

    from convanim.output import QUALITIES, open_writer

    q = QUALITIES["l"]
    with open_writer(Path("media/x.gif"), "gif", q.width, q.height, q.fps,
                     max_bytes=parse_size("5MB")) as writer:
        for frame in frames:              # uint8 (H, W, 4) RGBA
            writer.write(frame)
        report = writer.close()           # OutputReport; report.gif says what the GIF chose

Modules: :mod:`~convanim.output.formats` (presets, formats, sizes, reports),
:mod:`~convanim.output.atomic` (temporary files, rename, signal cleanup),
:mod:`~convanim.output.video` (MP4/WebM via PyAV), :mod:`~convanim.output.gif` (+ ``palette``,
``framestore``), :mod:`~convanim.output.still` (PNG, PNG sequence),
:mod:`~convanim.output.probe` (read back what was written). PyAV and Pillow are imported only
when a writer of that kind is opened.
"""

from __future__ import annotations

from convanim.output.atomic import TEMP_PATHS, install_signal_cleanup
from convanim.output.base import FrameWriter
from convanim.output.formats import (
    ALL_FORMATS,
    ALPHA_FORMATS,
    FORMATS,
    QUALITIES,
    GifAttempt,
    GifChoice,
    OutputReport,
    Quality,
    human_size,
    parse_size,
)
from convanim.output.probe import MediaInfo, probe
from convanim.output.writers import open_writer

__all__ = [
    "ALL_FORMATS",
    "ALPHA_FORMATS",
    "FORMATS",
    "QUALITIES",
    "TEMP_PATHS",
    "FrameWriter",
    "GifAttempt",
    "GifChoice",
    "MediaInfo",
    "OutputReport",
    "Quality",
    "human_size",
    "install_signal_cleanup",
    "open_writer",
    "parse_size",
    "probe",
]
