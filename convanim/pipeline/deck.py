"""``convanim slides``: a scene as a slide deck that works offline, and its manim-slides JSON.

One render of the scene's Timeline is cut at the slide boundaries of
:func:`convanim.pipeline.slides.build_slides` (docs/slides.md): each slide's frames are encoded to
their own MP4 (and, for manim-slides, the same frames reversed), so that the slides show exactly
the frames of ``convanim render``. With ``jobs > 1`` the slides are drawn by worker processes, each
slide a time range of the same Timeline (:mod:`convanim.pipeline.segments`' workers). Each slide
also gets a thumbnail (its last frame, the one it holds). The closing summary is a still picture
of the chain's shapes and counts.

The deck is written into a hidden folder beside its target and renamed into place when complete:
``DIR/<stem>/index.html``, ``media/`` (videos, thumbnails) and ``slides/<stem>.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from convanim.pipeline.slides import Slide, build_slides, closeup_notes, frame_ranges

if TYPE_CHECKING:
    from convanim.engine import Plan
    from convanim.output import Quality
    from convanim.pipeline.settings import ProgressCallback
    from convanim.spec import SceneSpec
    from convanim.storyboard.timeline import Timeline
    from convanim.storyboard.words import Words

__all__ = [
    "DeckReport", "SlideJob", "summary_rows", "summary_text", "write_deck",
]  # fmt: skip

THUMB_WIDTH = 480
"""Width of a slide's thumbnail in pixels (the overview grid and the video's poster)."""

SUMMARY_SECONDS = 1.0
"""Length of the summary slide's still video (manim-slides plays every slide as a video)."""


@dataclass(frozen=True)
class SlideJob:
    """Frames ``[start, stop)`` of slide ``index``, written to ``video``, ``reverse`` and
    ``thumb``."""

    index: int
    start: int
    stop: int
    video: Path
    reverse: Path
    thumb: Path


@dataclass(frozen=True)
class DeckReport:
    """A written deck: its page, manim-slides JSON, slides, and the number of frames drawn."""

    page: Path
    presentation: Path
    slides: tuple[Slide, ...]
    frames: int


def summary_rows(plan: Plan, timeline: Timeline, words: Words) -> list[tuple[str, ...]]:
    """The summary slide's table: a header, one row per op (its name, input → output shape,
    params, MACs, FLOPs), then the chain's total."""
    from convanim.storyboard.timeline import BlockActor

    blocks = {a.slot: a for a in timeline.actors if isinstance(a, BlockActor)}

    def name(template: str) -> str:
        return template.format(n="").strip()

    shape_head = " → ".join(words.table_rows.get(w, w) for w in ("Input", "Output"))
    rows: list[tuple[str, ...]] = [
        ("", shape_head, name(words.params), name(words.macs), name(words.flops))
    ]
    for op in plan.ops:
        k = op.index
        source, target = blocks.get(k), blocks.get(k + 1)
        label = target.caption if target is not None else op.type
        shapes = f"{source.label} → {target.label}" if source and target else ""
        cost = op.cost
        rows.append(
            (f"{k + 1}. {label}", shapes, f"{cost.params:,}", f"{cost.macs:,}", f"{cost.flops:,}")
        )
    total = plan.total
    first, last = blocks.get(0), blocks.get(len(plan.ops))
    shapes = f"{first.label} → {last.label}" if first and last else ""
    rows.append(("Σ", shapes, f"{total.params:,}", f"{total.macs:,}", f"{total.flops:,}"))
    return rows


def summary_text(rows: list[tuple[str, ...]]) -> list[str]:
    """The summary table as note lines (``a | b | c``)."""
    header, *body = rows
    return [
        " | ".join(f"{h} {v}".strip() if h else v for h, v in zip(header, row, strict=True))
        for row in body
    ]


def _render_slide(job: SlideJob) -> int:
    """Worker (or this process): draw frames ``[start, stop)``, encode them forwards and
    backwards, and write the thumbnail of the last one."""
    from convanim.output import open_writer
    from convanim.output.framestore import FrameStore
    from convanim.pipeline import segments

    quality: Quality = segments._SHARED["quality"]  # type: ignore[assignment]
    renderer = segments._worker_renderer()
    w, h, fps = quality.width, quality.height, quality.fps
    store = FrameStore(job.video.with_suffix(".frames"), w, h)
    try:
        with open_writer(job.video, "mp4", w, h, fps, threads=1) as writer:
            for frame in renderer.frames(job.start, job.stop):
                rgb = np.ascontiguousarray(frame[:, :, :3])
                writer.write(rgb)
                store.append(rgb)
            writer.close()
        with open_writer(job.reverse, "mp4", w, h, fps, threads=1) as writer:
            for i in reversed(range(len(store))):
                writer.write(store.read(store.unique_index(i)))
            writer.close()
        _write_thumb(store.read(store.unique_index(len(store) - 1)), job.thumb)
    finally:
        store.close()
        job.video.with_suffix(".frames").unlink(missing_ok=True)
    return job.stop - job.start


def _write_thumb(frame: np.ndarray, path: Path) -> None:
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(frame[:, :, :3]), "RGB")
    height = round(image.height * THUMB_WIDTH / image.width)
    image.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS).save(path, "PNG")


def _run_jobs(
    timeline: Timeline,
    quality: Quality,
    jobs: list[SlideJob],
    workers: int,
    progress: ProgressCallback | None,
) -> None:
    """Render every slide job, in this process or in ``workers`` forked processes."""
    from convanim.pipeline import segments
    from convanim.pipeline.settings import OutputSettings

    total = sum(j.stop - j.start for j in jobs)
    settings = OutputSettings(jobs[0].video, "mp4", quality)
    segments._SHARED.update(timeline=timeline, settings=settings, quality=quality)
    done = 0
    try:
        if workers <= 1:
            for job in jobs:
                done += _render_slide(job)
                if progress:
                    progress(done, total)
            return
        segments.map_forked(_render_slide, jobs, workers, total, progress)
    finally:
        segments._SHARED.clear()


def _summary_frame(
    rows: list[tuple[str, ...]],
    title: str,
    size: tuple[int, int],
    background: tuple[int, ...],
    language: str,
) -> np.ndarray:
    """The summary picture: ``title`` and the table of ``rows`` on the scene's background."""
    from PIL import Image, ImageDraw, ImageFont

    from convanim.pipeline.teaching import _font_file

    width, height = size
    image = Image.new("RGB", size, tuple(int(v) for v in background[:3]))
    draw = ImageDraw.Draw(image)
    dark = sum(background[:3]) < 3 * 128
    ink, muted, accent = (
        ((240, 240, 240), (150, 160, 175), (255, 214, 102))
        if dark
        else ((25, 28, 36), (95, 100, 115), (170, 60, 20))
    )
    font_file = _font_file(language)

    def font(points: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if font_file is not None:
            return ImageFont.truetype(font_file, points)
        return ImageFont.load_default(points)

    margin = round(width * 0.05)
    x: float
    gap = round(width * 0.03)
    points = max(10, round(height / 22))
    while True:
        body = font(points)
        widths = [max(draw.textlength(r[c], font=body) for r in rows) for c in range(len(rows[0]))]
        if sum(widths) + gap * (len(widths) - 1) <= width - 2 * margin or points <= 8:
            break
        points -= 1
    heading = font(round(points * 1.4))
    y = margin
    draw.text((margin, y), title, font=heading, fill=ink)
    y += round(points * 3)
    line = round(points * 1.8)
    for n, row in enumerate(rows):
        colour = muted if n == 0 else accent if n == len(rows) - 1 else ink
        if n == len(rows) - 1:
            draw.line((margin, y - line // 4, width - margin, y - line // 4), fill=muted, width=1)
        x = margin
        for c, text in enumerate(row):
            if c >= 2:  # numbers: right-aligned in their column
                draw.text((x + widths[c] - draw.textlength(text, font=body), y), text,
                          font=body, fill=colour)  # fmt: skip
            else:
                draw.text((x, y), text, font=body, fill=colour)
            x += widths[c] + gap
        y += line
    return np.asarray(image)


def _write_summary(frame: np.ndarray, job: SlideJob, fps: int) -> None:
    from convanim.output import open_writer

    height, width = frame.shape[:2]
    for path in (job.video, job.reverse):
        with open_writer(path, "mp4", width, height, fps, threads=1) as writer:
            for _ in range(max(1, round(SUMMARY_SECONDS * fps))):
                writer.write(frame)
            writer.close()
    _write_thumb(frame, job.thumb)


def write_deck(
    spec: SceneSpec,
    folder: Path,
    quality: Quality,
    *,
    jobs: int = 1,
    language: str | None = None,
    progress: ProgressCallback | None = None,
) -> DeckReport:
    """Write the deck of ``spec`` into ``folder`` (replacing what was there); see the module
    docstring.

    Raises
    ------
    SpecError
        The video would be too long or too slow to draw (:func:`convanim.limits.check_video`).
    ConvanimError
        The drawing libraries or fonts are missing, or the deck cannot be written.
    """
    from convanim.engine import plan as engine_plan
    from convanim.limits import check_video
    from convanim.output.atomic import commit, discard, prepare_folder, temp_path
    from convanim.output.deck_page import DeckSlide, deck_html
    from convanim.output.manim_slides import presentation_json
    from convanim.renderer import frame_count
    from convanim.renderer.environment import check_fonts, load_frames_module
    from convanim.renderer.theme import THEMES
    from convanim.storyboard import build
    from convanim.storyboard.words import words_for

    spec = spec.with_language(language)
    plan = engine_plan(spec)
    timeline = build(plan)
    check_video(spec, timeline.duration, quality)
    load_frames_module()
    check_fonts(timeline.title, timeline.view.language)
    words = words_for(timeline.view.language)
    summary = summary_rows(plan, timeline, words)
    slides = build_slides(
        timeline, len(plan.ops), words, closeup_notes(timeline, plan, words), summary_text(summary)
    )
    total = frame_count(timeline.duration, quality.fps)
    kept = [
        (slide, span)
        for slide, span in zip(slides, frame_ranges(slides, quality.fps, total), strict=True)
        if slide.kind == "summary" or span[1] > span[0]
    ]
    slides = [replace(slide, index=n) for n, (slide, _) in enumerate(kept)]
    stem = Path(spec.source.file).stem if spec.source.file else "scene"

    prepare_folder(folder, is_dir=True)
    temp = temp_path(folder, is_dir=True)
    try:
        media = temp / "media"
        media.mkdir(parents=True)
        (temp / "slides").mkdir()
        slide_jobs = [
            SlideJob(
                slide.index, a, b,
                media / f"slide{slide.index:03d}.mp4",
                media / f"slide{slide.index:03d}-reversed.mp4",
                media / f"slide{slide.index:03d}.png",
            )
            for slide, (_, (a, b)) in zip(slides, kept, strict=True)
        ]  # fmt: skip
        _run_jobs(timeline, quality, slide_jobs[:-1], jobs, progress)
        colour = THEMES[timeline.view.theme].background.lstrip("#")
        background = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
        picture = _summary_frame(
            summary, timeline.title or stem, (quality.width, quality.height), background,
            timeline.view.language,
        )  # fmt: skip
        _write_summary(picture, slide_jobs[-1], quality.fps)
        deck = [
            DeckSlide(
                slide.index, slide.kind, slide.title, slide.notes,
                job.video.relative_to(temp).as_posix(), job.thumb.relative_to(temp).as_posix(),
                (job.stop - job.start) / quality.fps or SUMMARY_SECONDS,
            )
            for slide, job in zip(slides, slide_jobs, strict=True)
        ]  # fmt: skip
        title = timeline.title or stem
        (temp / "index.html").write_text(
            deck_html(title, deck, timeline.view.language, (quality.width, quality.height)),
            encoding="utf-8",
        )
        presentation = temp / "slides" / f"{stem}.json"
        presentation.write_text(
            presentation_json(
                [
                    (
                        job.video.relative_to(temp).as_posix(),
                        job.reverse.relative_to(temp).as_posix(),
                        "\n".join(slide.notes),
                    )
                    for slide, job in zip(slides, slide_jobs, strict=True)
                ],
                (quality.width, quality.height),
            ),
            encoding="utf-8",
        )
        commit(temp, folder)
    except BaseException:
        discard(temp)
        raise
    return DeckReport(
        folder / "index.html", folder / "slides" / f"{stem}.json", tuple(slides), total
    )
