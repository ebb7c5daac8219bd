"""Render one scene in N processes and join the pieces without re-encoding.

The frame range is cut into contiguous segments, a few more than there are workers (see
:func:`segment_ranges`): frames cost very different amounts to draw (a title card or a final hold
is nearly free, a sweep with beams is not), so N equal parts would leave one worker idle while the
other finishes the expensive half. The workers take the segments in order, each the next one as
soon as it is free. Each worker process builds one renderer (frames are a pure function of time,
so any segment can be rendered on its own) and encodes each segment to a file of the target codec
with a one-threaded encoder, so that N workers use N cores; every segment starts on a key frame.
The parent then copies the compressed packets of the segments, in order and with shifted
timestamps, into the final container: no frame is decoded or encoded again, so the joined video
decodes to exactly the frames the segments hold, with none duplicated or missing at the seams.

Formats that are not packet streams (GIF, PNG sequence) are rendered in parallel to raw frame
files, then fed in order to the format's single writer.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from convanim.errors import ConvanimError

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.output.annotations import Chapter
    from convanim.pipeline.settings import OutputSettings
    from convanim.pipeline.teaching import Extras
    from convanim.renderer.manim.frames import FrameRenderer
    from convanim.storyboard.timeline import Timeline

T = TypeVar("T")

JOINABLE = ("mp4", "webm")
"""Formats whose segments are joined by copying packets."""


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) of the video, written to ``path``."""

    index: int
    start: int
    stop: int
    path: Path


SEGMENTS_PER_WORKER = 3
"""How many segments each worker gets on average: enough for the workers to even out uneven
frame costs, few enough that the extra key frames (one per segment) cost little."""

MIN_SEGMENT_SECONDS = 2.0
"""Segments shorter than this are not worth their key frame and their renderer warm-up."""


def split(frame_count: int, parts: int) -> list[tuple[int, int]]:
    """Cut [0, frame_count) into at most ``parts`` contiguous, non-empty, near-equal ranges."""
    parts = max(1, min(parts, frame_count))
    bounds = [round(i * frame_count / parts) for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def segment_ranges(frame_count: int, workers: int, fps: int) -> list[tuple[int, int]]:
    """The segments of a ``workers``-process render of ``frame_count`` frames at ``fps``.

    ``SEGMENTS_PER_WORKER`` per worker, but none shorter than ``MIN_SEGMENT_SECONDS`` of video,
    and never fewer than ``workers`` segments (so every worker has one) unless there are fewer
    frames than workers.
    """
    longest_count = max(1, frame_count // max(1, round(MIN_SEGMENT_SECONDS * fps)))
    parts = max(workers, min(workers * SEGMENTS_PER_WORKER, longest_count))
    return split(frame_count, parts)


# The timeline and the output settings reach forked workers through this module-level slot (fork
# shares memory; nothing is pickled). The parent sets it only for the duration of one segmented
# render; a worker adds its own renderer to its copy (``_worker_renderer``).
_SHARED: dict[str, object] = {}


def _worker_init(parent_pid: int | None = None) -> None:
    """A forked worker owns none of the parent's temporary outputs, and dies quietly on SIGTERM.

    Without this, the worker would inherit the parent's signal handler and its registry of
    temporary paths, and a SIGTERM to the worker would delete the parent's segment folder.
    It also gets SIGTERM when ``parent_pid`` dies (even by SIGKILL), so no orphan goes on
    rendering its segment.
    """
    import signal

    from convanim.lifetime import die_with_parent
    from convanim.output.atomic import TEMP_PATHS

    TEMP_PATHS.clear()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    die_with_parent(parent_pid)


def map_forked(
    work: Callable[[T], int],
    items: Sequence[T],
    workers: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Run ``work`` on every item in up to ``workers`` forked processes (see :func:`_worker_init`),
    each taking the next item when it is free; ``work`` returns the frames it drew, which are
    added up and reported to ``progress`` out of ``total``. The parent's ``_SHARED`` is what the
    workers see. A failure or Ctrl-C stops every worker."""
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    if context is None:  # pragma: no cover - platforms without fork
        raise ConvanimError("parallel rendering needs the 'fork' start method")
    done = 0
    pool = context.Pool(min(workers, len(items)), initializer=_worker_init, initargs=(os.getpid(),))
    try:
        # chunksize 1: a worker takes the next item only when it is free.
        for frames in pool.imap_unordered(work, items, chunksize=1):
            done += frames
            if progress:
                progress(done, total)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _worker_renderer() -> FrameRenderer:
    """The worker's one renderer, built for its first segment and kept for the next ones (its
    texts, layouts and cached background carry over)."""
    from convanim.renderer import frame_renderer

    renderer = _SHARED.get("renderer")
    if renderer is None:
        settings = _settings()
        renderer = frame_renderer(_SHARED["timeline"], settings.frame_format)  # type: ignore[arg-type]
        _SHARED["renderer"] = renderer
    return renderer  # type: ignore[return-value]


def _settings() -> OutputSettings:
    return _SHARED["settings"]  # type: ignore[return-value]


def _render_segment(segment: Segment) -> int:
    """Worker: render frames [start, stop) and encode them to ``segment.path``."""
    extras: Extras = _SHARED["extras"]  # type: ignore[assignment]
    return encode_segment(_worker_renderer(), extras, _settings(), segment)


def encode_segment(
    renderer: FrameRenderer, extras: Extras, settings: OutputSettings, segment: Segment
) -> int:
    """Draw frames [start, stop) with ``renderer`` and write them to ``segment.path``: encoded
    with a one-threaded encoder for MP4 and WebM, raw (``.npy``) for the other formats.

    Returns
    -------
    int
        The number of frames written.
    """
    from convanim.output import open_writer

    quality = settings.quality
    fmt = settings.format
    if fmt in JOINABLE:
        with open_writer(
            segment.path, fmt, quality.width, quality.height, quality.fps,
            transparent=settings.transparent, threads=1,
        ) as writer:  # fmt: skip
            for i, frame in enumerate(renderer.frames(segment.start, segment.stop)):
                writer.write(extras.burn(frame, segment.start + i))
            writer.close()
    else:
        shape = (segment.stop - segment.start, quality.height, quality.width, 4)
        store = np.lib.format.open_memmap(segment.path, mode="w+", dtype=np.uint8, shape=shape)
        for i, frame in enumerate(renderer.frames(segment.start, segment.stop)):
            store[i] = extras.burn(frame, segment.start + i)
        store.flush()
        del store
    return segment.stop - segment.start


def join_packets(
    parts: list[Path],
    target: Path,
    fmt: str,
    *,
    chapters: Sequence[Chapter] = (),
    cover: np.ndarray | None = None,
) -> None:
    """Copy the packets of ``parts`` (same codec and settings) into ``target``, back to back,
    with ``chapters`` and (MP4) the ``cover`` picture, as the one-process writer adds them."""
    import av

    from convanim.output.annotations import add_chapters, add_cover
    from convanim.output.video import CODECS

    # The writer's container options: +faststart, and +bitexact (no random Matroska UIDs).
    options = dict(CODECS[fmt].container_options)
    with av.open(str(target), "w", format=fmt, container_options=options) as out:
        out_stream = None
        offset = 0
        for part in parts:
            with av.open(str(part)) as src:
                stream = src.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(stream)
                    first_extradata = stream.codec_context.extradata
                    add_chapters(out, chapters)
                    if cover is not None and fmt == "mp4":
                        add_cover(out, cover)
                elif stream.codec_context.extradata != first_extradata:
                    raise ConvanimError(
                        f"segment {part.name} was encoded with other codec parameters; "
                        "cannot join it without re-encoding"
                    )
                last_end = offset
                for packet in src.demux(stream):
                    if packet.dts is None and packet.pts is None:
                        continue  # the demuxer's end-of-stream flush packet
                    duration = packet.duration or 0
                    if packet.pts is not None:
                        packet.pts += offset
                        last_end = max(last_end, packet.pts + duration)
                    if packet.dts is not None:
                        packet.dts += offset
                    packet.stream = out_stream
                    out.mux(packet)
                offset = last_end


def join_segments(parts: list[Path], settings: OutputSettings, extras: Extras) -> OutputReport:
    """Join encoded segments (MP4 or WebM, in order) into ``settings.output`` atomically, with
    the chapters and cover of ``extras``, and write the captions and poster beside it."""
    from convanim.output import probe
    from convanim.output.atomic import commit, discard, prepare_folder, temp_path
    from convanim.output.formats import OutputReport

    target = Path(settings.output)
    fmt, quality = settings.format, settings.quality
    prepare_folder(target)
    temp = temp_path(target)
    try:
        join_packets(parts, temp, fmt, chapters=extras.chapters, cover=extras.cover)
        commit(temp, target)
    except BaseException:
        discard(temp)
        raise
    extras.write_beside(settings)
    info = probe(target)
    return OutputReport(
        path=target, format=fmt, bytes=target.stat().st_size, frames=info.frames,
        fps=quality.fps, width=quality.width, height=quality.height,
    )  # fmt: skip


def render_segmented(
    timeline: Timeline,
    settings: OutputSettings,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> OutputReport:
    """Render ``timeline`` to ``settings.output`` with ``jobs`` worker processes; see the module
    docstring."""
    from convanim.output import open_writer
    from convanim.pipeline.teaching import COVERED, Extras
    from convanim.renderer import frame_count

    extras = Extras.of(timeline, settings)
    quality = settings.quality
    total = frame_count(timeline.duration, quality.fps)
    ranges = segment_ranges(total, jobs, quality.fps)
    fmt = settings.format
    target = Path(settings.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    from convanim.output.atomic import TEMP_PATHS

    with tempfile.TemporaryDirectory(prefix=".convanim-seg-", dir=target.parent) as tmp:
        TEMP_PATHS.add(Path(tmp))  # removed on SIGTERM/SIGINT like any temporary output
        suffix = f".{fmt}" if fmt in JOINABLE else ".npy"
        segments = [
            Segment(i, a, b, Path(tmp) / f"segment{i:03d}{suffix}")
            for i, (a, b) in enumerate(ranges)
        ]
        _SHARED.update(timeline=timeline, settings=settings, extras=extras)
        try:
            map_forked(_render_segment, segments, jobs, total, progress)
        finally:
            _SHARED.clear()
        if fmt in JOINABLE:
            return join_segments([s.path for s in segments], settings, extras)
        writer = open_writer(
            target, fmt, quality.width, quality.height, quality.fps,
            max_bytes=settings.max_bytes, transparent=settings.transparent,
            cover=extras.cover if fmt in COVERED else None,
        )  # fmt: skip
        with writer:
            for segment in segments:
                for frame in np.load(segment.path, mmap_mode="r"):
                    writer.write(np.asarray(frame))
            report = writer.close()
        extras.write_beside(settings)
        return report


__all__ = [
    "JOINABLE",
    "Segment",
    "encode_segment",
    "join_packets",
    "join_segments",
    "render_segmented",
    "segment_ranges",
    "split",
]
