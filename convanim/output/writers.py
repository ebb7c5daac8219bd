"""``open_writer``: the one entry point that picks a frame writer for a format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from convanim.output.annotations import Chapter
from convanim.output.base import Frame, FrameWriter
from convanim.output.formats import check_format

__all__ = ["open_writer"]


def open_writer(
    path: Path,
    fmt: str,
    width: int,
    height: int,
    fps: int,
    *,
    max_bytes: int | None = None,
    transparent: bool = False,
    threads: int | None = None,
    chapters: Sequence[Chapter] = (),
    cover: Frame | None = None,
) -> FrameWriter:
    """Open an atomic frame writer for ``path``.

    The output folder is created if missing. Frames go to a hidden temporary file beside the
    target (``.{stem}.tmp-XXXXXXXX.{ext}``) that is renamed into place by
    :meth:`FrameWriter.close`; :meth:`FrameWriter.abort` (or an exception inside a ``with``
    block) removes it and leaves any existing output untouched.

    Parameters
    ----------
    path : Path
        The output file; a folder for ``png-seq``.
    fmt : {"mp4", "gif", "webm", "png", "png-seq"}
        ``png`` is a poster frame: the last frame written. ``png-seq`` writes
        ``frame_000000.png``, ``frame_000001.png``, ... into the folder ``path``.
    width, height, fps : int
        Size and rate of the frames that will be written.
    max_bytes : int, optional
        GIF only: the largest file size; frame rate, scale and palette are chosen to fit.
    transparent : bool
        Keep the alpha channel (``webm``, ``png``, ``png-seq`` only).
    threads : int, optional
        MP4 and WebM only: encoder threads (default: the codec's own choice).
    chapters : sequence of Chapter
        MP4 and WebM only: chapters written into the container.
    cover : Frame, optional
        A frame that says what the video is: an MP4's cover picture (``covr``), a GIF's first
        image (held :data:`~convanim.output.gif.COVER_SECONDS` before the animation starts).

    Returns
    -------
    FrameWriter
        A context manager with ``write(frame)``, ``close() -> OutputReport`` and ``abort()``.

    Raises
    ------
    UsageError
        For an unknown format, options the format cannot honour, or an output folder that
        cannot be created or written to.
    """
    check_format(fmt, transparent=transparent, max_bytes=max_bytes)
    path = Path(path)
    if fmt in ("mp4", "webm"):
        from convanim.output.video import VideoWriter

        return VideoWriter(
            path, fmt, width, height, fps, transparent=transparent, threads=threads,
            chapters=chapters, cover=cover,
        )  # fmt: skip
    if fmt == "gif":
        from convanim.output.gif import GifWriter

        return GifWriter(path, width, height, fps, max_bytes=max_bytes, cover=cover)
    from convanim.output.still import PosterWriter, SequenceWriter

    if fmt == "png":
        return PosterWriter(path, width, height, fps, transparent=transparent)
    return SequenceWriter(path, width, height, fps, transparent=transparent)
