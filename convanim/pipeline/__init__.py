"""The pipeline: spec -> Plan -> Timeline -> frames -> file.

Every layer below knows only its own input: the engine a spec, the storyboard a Plan, the
renderer a Timeline and a frame format, the output writers frames. This package strings them
together and owns what needs more than one of them:

- :func:`build_timeline`: ``spec -> engine.plan -> storyboard.build``;
- :func:`render_spec`: a spec to a file, refusing first a video too long or too slow to draw
  (:func:`convanim.limits.check_video`, which needs the spec to name the YAML path to change);
- :func:`render_timeline`: a Timeline (built here, or read back with ``Timeline.from_json``) to a
  file: it checks the render environment (drawing libraries, fonts), then feeds the frames of
  :func:`convanim.renderer.frame_renderer` to an output writer in one process
  (:mod:`~convanim.pipeline.encode`) or in segments drawn by several
  (:mod:`~convanim.pipeline.segments`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convanim.pipeline.settings import OutputSettings, ProgressCallback

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.spec import SceneSpec
    from convanim.storyboard.timeline import Timeline

__all__ = [
    "OutputSettings",
    "ProgressCallback",
    "build_timeline",
    "render_spec",
    "render_timeline",
]


def build_timeline(spec: SceneSpec) -> Timeline:
    """Compute a spec (:func:`convanim.engine.plan`) and build its Timeline.

    The Plan is dropped afterwards: the Timeline holds every number the renderer draws.
    """
    from convanim.engine import plan
    from convanim.storyboard import build

    return build(plan(spec))


def render_spec(
    spec: SceneSpec,
    settings: OutputSettings,
    progress: ProgressCallback | None = None,
    jobs: int = 1,
) -> OutputReport:
    """Render a spec to ``settings.output`` and return the output report.

    Builds the Timeline, refuses a video too long or too slow to draw before the first frame
    (:func:`convanim.limits.check_video`: a SpecError naming the YAML path to change; a one-frame
    PNG is not checked), then :func:`render_timeline`.
    """
    from convanim.limits import check_video

    timeline = build_timeline(spec)
    if settings.format != "png":  # a poster frame draws one frame, whatever the video's length
        check_video(spec, timeline.duration, settings.quality)
    return render_timeline(timeline, settings, progress, jobs)


def render_timeline(
    timeline: Timeline,
    settings: OutputSettings,
    progress: ProgressCallback | None = None,
    jobs: int = 1,
) -> OutputReport:
    """Render a Timeline to ``settings.output`` in ``settings.format``; return the output report.

    With ``jobs > 1`` the frames are drawn by that many processes
    (:func:`convanim.pipeline.segments.render_segmented`); MP4 and WebM segments are joined
    without re-encoding. A PNG is the one poster frame (:func:`convanim.renderer.poster_time`).
    A machine without the drawing libraries or the fonts the texts need is refused before the
    first frame (:mod:`convanim.renderer.environment`: a ConvanimError saying what to install).
    """
    from convanim.renderer.environment import check_fonts, load_frames_module

    load_frames_module()
    check_fonts(timeline.title, timeline.view.language)
    if jobs > 1 and settings.format != "png":
        from convanim.pipeline.segments import render_segmented

        return render_segmented(timeline, settings, jobs, progress)
    from convanim.pipeline.encode import encode_frames

    return encode_frames(timeline, settings, progress)
