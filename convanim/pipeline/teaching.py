"""Chapters, captions and covers of a render, read off its Timeline.

The storyboard marks where each part of a scene starts (``chapter`` events: the title, then one
per op) and what each step says (``caption`` events: the step's equation with its numbers);
fast-forwarded sweeps and whole-channel fills are described from their own events, in the
Timeline's language (:mod:`convanim.storyboard.words`). This module turns those into
:class:`~convanim.output.annotations.Chapter` and :class:`~convanim.output.annotations.Cue`
lists, writes the ``.vtt`` and the poster PNG beside a video, and burns captions into frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.output.annotations import Chapter, Cue, png_bytes, vtt_text
from convanim.output.atomic import write_bytes

if TYPE_CHECKING:
    import numpy as np

    from convanim.pipeline.settings import OutputSettings
    from convanim.storyboard.timeline import Timeline

__all__ = [
    "COVERED",
    "VIDEO",
    "CaptionBurner",
    "Extras",
    "caption_at",
    "caption_path",
    "chapters",
    "cues",
    "poster_path",
    "write_captions",
    "write_poster",
]

VIDEO = ("mp4", "webm")
"""Formats with chapters (and a poster PNG beside them, when asked for)."""

COVERED = ("mp4", "gif")
"""Formats whose file holds a cover picture (MP4: ``covr``; GIF: its first image)."""


@dataclass
class Extras:
    """What a render writes besides the frames: chapters, cover, captions (see
    :mod:`convanim.pipeline.teaching`)."""

    timeline: Timeline
    fps: int
    duration: float
    chapters: list[Chapter]
    poster_time: float
    cover: np.ndarray | None = None
    cues: list[Cue] | None = None
    burner: CaptionBurner | None = None

    @classmethod
    def of(cls, timeline: Timeline, settings: OutputSettings, *, draw_cover: bool = True) -> Extras:
        """The extras of a render (the cover drawn by a renderer used for nothing else; not
        drawn with ``draw_cover=False``, for a process that only draws frames joined elsewhere)."""
        from convanim.renderer import frame_count, frame_renderer, poster_time

        fmt, quality = settings.format, settings.quality
        duration = frame_count(timeline.duration, quality.fps) / quality.fps
        extras = cls(
            timeline,
            quality.fps,
            duration,
            chapters(timeline, duration) if fmt in VIDEO else [],
            poster_time(timeline),
        )
        if draw_cover and (fmt in COVERED or (settings.poster and fmt in VIDEO)):
            cover = frame_renderer(timeline, settings.frame_format).frame_at(extras.poster_time)
            extras.cover = cover if settings.transparent else cover[:, :, :3]
        if settings.burn_captions and fmt != "png":
            extras.cues = cues(timeline, duration)
            extras.burner = CaptionBurner(quality.width, quality.height, timeline.view.language)
        return extras

    def burn(self, frame: np.ndarray, index: int) -> np.ndarray:
        """Frame ``index`` with its caption drawn in (when captions are burned)."""
        if self.burner is None or self.cues is None:
            return frame
        return self.burner.burn(frame, caption_at(self.cues, index / self.fps))

    def write_beside(self, settings: OutputSettings) -> None:
        """The ``.vtt`` and the poster PNG beside the output, if asked for."""
        if settings.captions and settings.format != "png":
            write_captions(self.timeline, settings.output, self.duration)
        if settings.poster and settings.format in VIDEO and self.cover is not None:
            write_poster(self.cover, settings.output)


def chapters(timeline: Timeline, duration: float) -> list[Chapter]:
    """One chapter per ``chapter`` event, each up to the next one (the last up to ``duration``,
    the video's length)."""
    marks = sorted(
        ((e.start, str(e.data.get("title", ""))) for e in timeline.events if e.kind == "chapter"),
        key=lambda m: m[0],
    )
    out: list[Chapter] = []
    for i, (start, title) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else duration
        start = min(start, duration)
        if end > start:
            out.append(Chapter(title, start, min(end, duration)))
    return out


def _channels(channels: Sequence[int]) -> str:
    """``[1, 2, 3]`` -> ``"1–3"``; ``[0, 4]`` -> ``"0, 4"``."""
    values = [int(c) for c in channels]
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def cues(timeline: Timeline, duration: float) -> list[Cue]:
    """A cue for every step of the scene, in order and never overlapping.

    A cue starts with a chapter (its title says what comes), a step's caption (its equation and
    numbers), a fast-forwarded sweep or a fill, and lasts until the next one (an empty caption
    ends it); nothing runs past ``duration``.
    """
    from convanim.storyboard.words import words_for

    words = words_for(timeline.view.language)
    marks: list[tuple[float, int, str]] = []
    for order, e in enumerate(timeline.events):
        text: str | None = None
        if e.kind == "chapter":
            text = str(e.data.get("title", ""))
        elif e.kind == "caption":
            text = str(e.data.get("text", ""))
        elif e.kind == "sweep" and not e.data.get("detail"):
            text = words.cue_fast.format(
                n=int(e.data.get("count", 0)), channel=int(e.data.get("out_channel", 0))
            )
        elif e.kind == "fill":
            text = words.cue_fill.format(channels=_channels(e.data.get("channels", [])))
        if text is not None:
            marks.append((e.start, order, text))
    marks.sort()
    out: list[Cue] = []
    for i, (start, _, text) in enumerate(marks):
        end = min(marks[i + 1][0] if i + 1 < len(marks) else duration, duration)
        if text.strip() and end - start >= 0.001:
            out.append(Cue(round(start, 3), round(end, 3), text))
    return out


def caption_path(output: Path) -> Path:
    """``media/scene.mp4`` -> ``media/scene.vtt``."""
    return output.with_suffix(".vtt")


def poster_path(output: Path) -> Path:
    """``media/scene.mp4`` -> ``media/scene.poster.png`` (the picture a video page shows first)."""
    return output.with_name(f"{output.stem}.poster.png")


def write_captions(timeline: Timeline, output: Path, duration: float) -> Path:
    """Write the WebVTT captions of ``timeline`` beside ``output``; return their path."""
    path = caption_path(output)
    write_bytes(path, vtt_text(cues(timeline, duration)).encode("utf-8"))
    return path


def write_poster(frame: np.ndarray, output: Path) -> Path:
    """Write ``frame`` as the poster PNG beside the video ``output``; return its path."""
    path = poster_path(output)
    write_bytes(path, png_bytes(frame))
    return path


def caption_at(cue_list: Sequence[Cue], t: float) -> str:
    """The text of the cue showing at ``t`` seconds ("" between cues)."""
    for cue in cue_list:
        if cue.start <= t < cue.end:
            return cue.text
    return ""


class CaptionBurner:
    """Draws a caption line into frames: white text on a dark band at the bottom (Pillow).

    The font is the sans-serif fontconfig picks for the caption's language (``fc-match``), or
    Pillow's own scalable font when fontconfig has none.
    """

    def __init__(self, width: int, height: int, language: str = "en") -> None:
        self.width = width
        self.height = height
        self.size = max(10, round(height / 26))
        self._font_file = _font_file(language)
        self._fonts: dict[int, Any] = {}

    def _font(self, size: int) -> Any:
        from PIL import ImageFont

        if size not in self._fonts:
            if self._font_file is not None:
                self._fonts[size] = ImageFont.truetype(self._font_file, size)
            else:
                self._fonts[size] = ImageFont.load_default(size)
        return self._fonts[size]

    def burn(self, frame: np.ndarray, text: str) -> np.ndarray:
        """``frame`` (RGB or RGBA ``uint8``) with ``text`` drawn at the bottom (a new array).

        A caption too wide for the frame is drawn smaller (down to 70 %), then on more lines;
        a word wider than the frame is cut with an ellipsis.
        """
        if not text:
            return frame
        import numpy as np
        from PIL import Image, ImageDraw

        image = Image.fromarray(np.ascontiguousarray(frame))
        draw = ImageDraw.Draw(image)
        margin = round(self.width * 0.03)
        room = self.width - 2 * margin
        size = self.size
        font = self._font(size)

        def width(line: str) -> int:
            left, _, right, _ = draw.textbbox((0, 0), line, font=font)
            return int(right - left)

        while size > max(8, round(self.size * 0.7)) and width(text) > room:
            size -= 1
            font = self._font(size)
        lines = _wrap(text, room, width)
        pad = max(3, size // 3)
        spacing = pad
        left, top, right, bottom = draw.multiline_textbbox(
            (0, 0),
            "\n".join(lines),
            font=font,
            spacing=spacing,
            align="center",
        )
        x = (self.width - (right - left)) // 2 - left
        y = self.height - margin // 2 - (bottom - top) - pad - top
        band = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(band).rectangle(
            (x + left - pad, y + top - pad, x + right + pad, y + bottom + pad), fill=(0, 0, 0, 170)
        )
        mode = image.mode
        image = Image.alpha_composite(image.convert("RGBA"), band)
        ImageDraw.Draw(image).multiline_text(
            (x, y), "\n".join(lines), font=font, fill=(255, 255, 255, 255),
            spacing=spacing, align="center",
        )  # fmt: skip
        return np.asarray(image.convert(mode))


def _wrap(text: str, room: int, width: Callable[[str], int]) -> list[str]:
    """``text`` in lines no wider than ``room`` (by ``width``), split at spaces; a word too
    wide on its own is cut and ends with an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        if lines and width(candidate := f"{lines[-1]} {word}") <= room:
            lines[-1] = candidate
            continue
        while width(word) > room and len(word) > 1:
            word = word[:-2] + "…"
        lines.append(word)
    return lines or [""]


def _font_file(language: str) -> str | None:
    """The file of the sans-serif fontconfig matches for ``language``, or None."""
    import shutil
    import subprocess

    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    pattern = "sans-serif:lang=zh" if language == "zh" else "sans-serif"
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and Path(found).is_file() else None
