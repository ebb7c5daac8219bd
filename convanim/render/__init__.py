"""Rendering: a Timeline played into frames (manim, Cairo) and encoded to a file.

Only this package imports manim, and only lazily (``convanim.render.manim`` is imported when a
render starts), so ``convanim inspect`` and the engine never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
) -> OutputReport:
    """Render a computed plan to ``job.output`` in ``job.format`` and return the output report."""
    from convanim.output import open_writer
    from convanim.render.manim.frames import FrameFormat, FrameRenderer
    from convanim.storyboard import build

    timeline = timeline or build(plan)
    quality = job.quality
    renderer = FrameRenderer(
        timeline, plan, FrameFormat(quality.width, quality.height, quality.fps, job.transparent)
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
            for index, frame in enumerate(renderer.frames()):
                writer.write(frame)
                if progress:
                    progress(index + 1, total)
        report = writer.close()
    return report
