"""One process: draw a Timeline's frames and feed them to an output writer as they come."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.pipeline.settings import OutputSettings, ProgressCallback
    from convanim.storyboard.timeline import Timeline

__all__ = ["Encoder", "encode_frames"]


def encode_frames(
    timeline: Timeline, settings: OutputSettings, progress: ProgressCallback | None = None
) -> OutputReport:
    """Render every frame of ``timeline`` (a PNG: the poster frame) into ``settings.output``.

    Drawing runs in this thread, encoding in a second one (:class:`Encoder`).
    """
    from convanim.output import open_writer
    from convanim.pipeline.teaching import COVERED, Extras
    from convanim.renderer import frame_renderer

    quality = settings.quality
    renderer = frame_renderer(timeline, settings.frame_format)
    # The cover is drawn by a renderer of its own: drawing a late frame first changes later
    # frames of the same renderer slightly, and a -j render must give the same bytes.
    extras = Extras.of(timeline, settings)
    writer = open_writer(
        settings.output,
        settings.format,
        quality.width,
        quality.height,
        quality.fps,
        max_bytes=settings.max_bytes,
        transparent=settings.transparent,
        chapters=extras.chapters,
        cover=extras.cover if settings.format in COVERED else None,
    )
    with writer:
        if settings.format == "png":
            writer.write(renderer.frame_at(extras.poster_time))
            if progress:
                progress(1, 1)
        else:
            total = renderer.frame_count
            with Encoder(writer) as encode:
                for index, frame in enumerate(renderer.frames()):
                    encode(extras.burn(frame, index))
                    if progress:
                        progress(index + 1, total)
        report: OutputReport = writer.close()
    extras.write_beside(settings)
    return report


class Encoder:
    """Feeds frames to a writer from a second thread, so encoding overlaps drawing.

    The encoders (x264, libvpx, zlib) release the GIL, so on two cores the frame after next is
    drawn while this one is encoded. Errors in the writer thread are re-raised in the caller.
    """

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="convanim-encoder", daemon=True)

    def _run(self) -> None:
        while (frame := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.writer.write(frame)
                except BaseException as err:  # re-raised in the rendering thread
                    self.error = err

    def __enter__(self) -> Callable[[np.ndarray], None]:
        self.thread.start()
        return self._put

    def _put(self, frame: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error
