"""Rendering: a Timeline played into frames (manim, Cairo) and encoded to a file.

Only this package imports manim, and only lazily (``convanim.renderer.manim`` is imported when a
render starts), so ``convanim inspect`` and the engine never pay for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from convanim.engine import Plan
    from convanim.output import OutputReport, Quality
    from convanim.spec import SceneSpec
    from convanim.storyboard.timeline import Timeline

__all__ = ["RenderJob", "poster_time", "render_plan"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(frames_done, frames_total)``."""


@dataclass(frozen=True)
class RenderJob:
    """What to render and where: a spec, an output path, a format and a quality preset."""

    spec: SceneSpec
    output: Path
    format: str
    quality: Quality
    max_bytes: int | None = None
    transparent: bool = False


def poster_time(timeline: Timeline) -> float:
    """The moment that best summarises a scene for a still image.

    The middle of the first fast-forwarded sweep: the kernel is on the input, beams point at the
    output and part of the output is computed. Scenes without a sweep use their last frame.
    """
    for event in timeline.events:
        if event.kind == "sweep" and not event.data.get("detail"):
            visits = int(event.data.get("visits", 1))
            slot = event.duration / max(visits, 1)
            # Late in a visit: the kernel has settled, its window is lit and the beams are drawn.
            return event.start + (visits // 2 + 0.8) * slot
    return max(0.0, timeline.duration - 1e-3)


def render_plan(
    plan: Plan,
    job: RenderJob,
    progress: ProgressCallback | None = None,
    timeline: Timeline | None = None,
    jobs: int = 1,
) -> OutputReport:
    """Render a computed plan to ``job.output`` in ``job.format`` and return the output report.

    With ``jobs > 1`` the frames are rendered by that many processes (see
    :mod:`convanim.renderer.segments`); MP4 and WebM segments are joined without re-encoding.
    A video too long or too slow to draw is refused before the first frame
    (:func:`convanim.limits.check_video`, a SpecError naming the YAML path to change), and so
    is a machine without the drawing libraries or fonts (:mod:`convanim.renderer.environment`).
    """
    from convanim.limits import check_video
    from convanim.output import open_writer
    from convanim.renderer.environment import check_fonts, load_frames_module
    from convanim.storyboard import build

    timeline = timeline or build(plan)
    quality = job.quality
    if job.format != "png":  # a poster frame draws one frame, whatever the video's length
        check_video(plan.spec, timeline.duration, quality)
    frames_module = load_frames_module()  # a clear error if Cairo or Pango do not load
    check_fonts(plan.spec.title)
    FrameFormat, FrameRenderer = frames_module.FrameFormat, frames_module.FrameRenderer
    if jobs > 1 and job.format != "png":
        from convanim.renderer.segments import render_segmented

        return render_segmented(plan, job, timeline, jobs, progress)
    renderer = FrameRenderer(
        timeline, FrameFormat(quality.width, quality.height, quality.fps, job.transparent)
    )
    writer = open_writer(
        job.output,
        job.format,
        quality.width,
        quality.height,
        quality.fps,
        max_bytes=job.max_bytes,
        transparent=job.transparent,
    )
    with writer:
        if job.format == "png":
            writer.write(renderer.frame_at(poster_time(timeline)))
            if progress:
                progress(1, 1)
        else:
            total = renderer.frame_count
            with _Encoder(writer) as encode:
                for index, frame in enumerate(renderer.frames()):
                    encode(frame)
                    if progress:
                        progress(index + 1, total)
        report = writer.close()
    return report


class _Encoder:
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
