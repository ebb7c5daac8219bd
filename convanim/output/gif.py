"""GIF that looks good and fits: global palette, holds, changed rectangles, a size budget.

How a GIF is made here:

1. While the renderer writes, frames go to a compressed spill file (:class:`FrameStore`);
   repeated frames are stored once. Memory stays flat however long the video is.
2. At :meth:`GifWriter.close`, one global palette is built from sampled frames
   (:mod:`convanim.output.palette`: frequent colours exact, median cut for the rest; no
   dithering), one palette entry is kept for "transparent = unchanged".
3. Each output frame is mapped to the palette and compared with what the viewer already sees:
   an unchanged frame only lengthens the previous frame's delay (a hold); otherwise only the
   bounding box of the change is stored, with unchanged pixels inside it transparent, which
   turns them into long LZW runs (frames are drawn with disposal "do not dispose"). On the
   standard conv scene at 854×480@15 this gives 0.82 MB, against 1.62 MB for the same boxes
   without transparency and 3.5 MB for Pillow's ``save_all(optimize=True)``.
4. Delays are in centiseconds, rounded on the cumulative time so the total duration is right.
   GIF players treat delays under 2 cs as 10 cs, so frame rates above 50 are halved (60 -> 30).

With a size budget the encoder tries settings from best-looking down (full frame rate, size and
256 colours; fewer colours; 12 fps; smaller scales down to 640 px wide; only then lower rates
and sizes), abandoning a pass as soon as it overflows, and reports what it chose.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from convanim.errors import ConvanimError
from convanim.output.atomic import commit, discard, prepare_folder, temp_path
from convanim.output.base import Frame, FrameWriter, check_frame
from convanim.output.formats import GifAttempt, GifChoice, OutputReport, human_size
from convanim.output.framestore import FrameStore
from convanim.output.palette import (
    ColorCounter,
    ColorHistogram,
    PaletteMapper,
    build_palette,
    histogram,
)

__all__ = [
    "GifSetting",
    "GifWriter",
    "frame_schedule",
    "gif_fps",
    "search_settings",
]

#: Highest GIF frame rate: delays must be at least 2 centiseconds.
MAX_GIF_FPS = 50
#: Frame rate and width the size search keeps unless nothing else fits.
MIN_FPS = 12
MIN_WIDTH = 640
#: Palette sizes tried at each frame rate and size (transparent entry included).
PALETTE_SIZES = (256, 128, 64)
#: Fewer colours save at most about this factor (64 vs 256 colours on the standard conv scene:
#: 0.70); a 256-colour pass bigger than budget / COLOR_SAVING skips the smaller palettes.
COLOR_SAVING = 0.6
#: Frames sampled for the palette of a scaled-down GIF.
PALETTE_SAMPLES = 16
#: How long a GIF's cover (its first image: what previews show) is held before the animation.
COVER_SECONDS = 1.0


@dataclass(frozen=True)
class GifSetting:
    """One way to encode the GIF: frame rate, scale of the frame size, palette size."""

    fps: float
    scale: float
    colors: int

    def size(self, width: int, height: int) -> tuple[int, int]:
        """Frame size at this scale (at least 1×1)."""
        if self.scale == 1.0:
            return width, height
        return max(1, round(width * self.scale)), max(1, round(height * self.scale))


def gif_fps(fps: float) -> float:
    """The GIF frame rate for a source rate: itself up to 50, else divided down (60 -> 30)."""
    if fps <= MAX_GIF_FPS:
        return float(fps)
    return fps / math.ceil(fps / MAX_GIF_FPS)


def frame_schedule(frames: int, src_fps: float, fps: float) -> tuple[list[int], list[int]]:
    """Which source frames a GIF at ``fps`` shows, and when.

    Parameters
    ----------
    frames : int
        Number of source frames.
    src_fps, fps : float
        Source and GIF frame rates.

    Returns
    -------
    sources : list of int
        Source frame index of each GIF frame.
    times : list of int
        Start time of each GIF frame in centiseconds, plus the end time (one more entry);
        rounded on the cumulative time, so the total is the source duration (every delay at
        least 1 cs).
    """
    if frames <= 0:
        return [], [0]
    count = frames if fps == src_fps else max(1, round(frames * fps / src_fps))
    sources = [min(frames - 1, math.floor(j * src_fps / fps + 1e-9)) for j in range(count)]
    times = [round(100 * j / fps) for j in range(count)]
    times.append(max(round(100 * frames / src_fps), times[-1] + 1))
    return sources, times


def search_settings(width: int, fps: float) -> tuple[list[GifSetting], list[GifSetting]]:
    """Settings the size search tries, best-looking first.

    Returns
    -------
    preferred : list of GifSetting
        Frame rate at least 12 fps and width at least 640 px (when the source has them): per
        scale (1, 0.85, down to 640 px), per rate (full, 12), per palette (256, 128, 64).
    fallback : list of GifSetting
        Tried only if nothing preferred fits: rate and size lowered in turns (10 fps, then
        80 % of the smallest preferred size, 8 fps, ...), 64 then 32 colours each.
    """
    base = gif_fps(fps)
    scales = [1.0]
    if width * 0.85 >= MIN_WIDTH:
        scales.append(0.85)
    floor_scale = MIN_WIDTH / width
    if floor_scale < scales[-1] - 0.03:
        scales.append(floor_scale)
    rates = [base] if base <= MIN_FPS else [base, float(MIN_FPS)]
    preferred = [GifSetting(f, s, c) for s in scales for f in rates for c in PALETTE_SIZES]
    low, smallest = min(rates), scales[-1]
    fallback = []
    steps = ((10, 1.0), (10, 0.8), (8, 0.8), (8, 0.64), (6, 0.64), (6, 0.5), (5, 0.4), (4, 0.3))
    for rate, factor in steps:
        for colors in (64, 32):
            fallback.append(GifSetting(min(float(rate), low), smallest * factor, colors))
    unique = list(dict.fromkeys(fallback))
    return preferred, [s for s in unique if s not in preferred]


# -- the GIF byte stream ---------------------------------------------------------------------


def _u16(value: int) -> bytes:
    return int(value).to_bytes(2, "little")


class _GifStream:
    """Writes a GIF89a with a global palette, one frame behind so holds can lengthen it."""

    def __init__(
        self, fp: BinaryIO, width: int, height: int, palette: np.ndarray, transparent: int | None
    ) -> None:
        entries = len(palette) + (1 if transparent is not None else 0)
        self.bits = max(1, (entries - 1).bit_length())
        self.lzw_bits = max(2, self.bits)
        self.transparent = transparent
        self.fp = fp
        self.bytes = 0
        self.images = 0
        self._pending: tuple[bytes, bool] | None = None
        self._delay = 0
        table = np.zeros((1 << self.bits, 3), dtype=np.uint8)
        table[: len(palette)] = palette
        flags = 0x80 | (7 << 4) | (self.bits - 1)  # global table, 8-bit colour resolution
        self._emit(
            b"GIF89a"
            + _u16(width)
            + _u16(height)
            + bytes([flags, 0, 0])
            + table.tobytes()
            + b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
        )

    def _emit(self, data: bytes) -> None:
        self.fp.write(data)
        self.bytes += len(data)

    def add(
        self, image: np.ndarray, left: int, top: int, delay: int, uses_transparency: bool
    ) -> None:
        """Queue an image (palette indices) drawn at (left, top), shown for ``delay`` cs."""
        from PIL import Image

        self._flush()
        h, w = image.shape
        lzw = Image.fromarray(np.ascontiguousarray(image), "L").tobytes(
            "gif", "L", self.lzw_bits, 0
        )
        block = b"," + _u16(left) + _u16(top) + _u16(w) + _u16(h) + b"\x00"
        self._pending = (block + bytes([self.lzw_bits]) + lzw + b"\x00", uses_transparency)
        self._delay = delay

    def hold(self, delay: int) -> None:
        """Show the queued image ``delay`` cs longer."""
        self._delay += delay

    def _flush(self) -> None:
        if self._pending is None:
            return
        block, uses_transparency = self._pending
        packed = 1 << 2  # disposal: do not dispose
        index = 0
        if uses_transparency and self.transparent is not None:
            packed |= 1
            index = self.transparent
        delay = min(max(self._delay, 2), 0xFFFF)
        self._emit(b"!\xf9\x04" + bytes([packed]) + _u16(delay) + bytes([index, 0]) + block)
        self.images += 1
        self._pending = None

    def finish(self) -> None:
        """Write the last image and the trailer."""
        self._flush()
        self._emit(b";")


@dataclass(frozen=True)
class PassResult:
    """Outcome of one encoding pass."""

    bytes: int
    complete: bool
    images: int
    frames: int
    width: int
    height: int
    colors: int


def _changed_box(changed: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(changed[rows[0] : rows[-1] + 1].any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


class GifEncoder:
    """Encodes the frames of a :class:`FrameStore` as GIFs with different settings.

    Parameters
    ----------
    store : FrameStore
        The source frames.
    fps : float
        Their frame rate.
    colors : ColorHistogram, optional
        The colours of the source frames (see :class:`ColorCounter`); without it, the palette
        of full-size GIFs is built from sampled frames too.
    cover : bool
        The store's first frame is a cover: shown for :data:`COVER_SECONDS`, then the animation
        (the other frames) from its start.
    """

    def __init__(
        self,
        store: FrameStore,
        fps: float,
        colors: ColorHistogram | None = None,
        *,
        cover: bool = False,
    ) -> None:
        self.store = store
        self.fps = fps
        self.cover = cover
        self._histograms: dict[float, ColorHistogram] = {}
        self._palettes: dict[tuple[float, int], np.ndarray] = {}
        if colors is not None:
            self._histograms[1.0] = colors

    def _frame(self, unique: int, size: tuple[int, int]) -> np.ndarray:
        from PIL import Image

        rgb = self.store.read(unique)
        if size == (self.store.width, self.store.height):
            return rgb
        image = Image.fromarray(rgb, "RGB").resize(size, Image.Resampling.BOX)
        return np.asarray(image)

    def _samples(self, size: tuple[int, int]) -> Iterator[np.ndarray]:
        count = self.store.unique_count
        picks = np.unique(np.linspace(0, count - 1, min(count, PALETTE_SAMPLES)).round())
        for unique in picks.astype(int):
            yield self._frame(int(unique), size)

    def palette(self, setting: GifSetting) -> np.ndarray:
        """The global palette for ``setting`` (one entry left for transparency)."""
        key = (setting.scale, setting.colors)
        if key not in self._palettes:
            hist = self._histograms.get(setting.scale)
            if hist is None:
                size = setting.size(self.store.width, self.store.height)
                hist = histogram(self._samples(size))
                self._histograms[setting.scale] = hist
            self._palettes[key] = build_palette(hist, setting.colors - 1)
        return self._palettes[key]

    def encode(self, setting: GifSetting, fp: BinaryIO, limit: int | None = None) -> PassResult:
        """Write a whole GIF to ``fp``; give up as soon as it exceeds ``limit`` bytes.

        When the pass gives up, ``bytes`` is what was written by then: a lower bound.
        """
        width, height = setting.size(self.store.width, self.store.height)
        palette = self.palette(setting)
        mapper = PaletteMapper(palette)
        transparent = len(palette)
        gif = _GifStream(fp, width, height, palette, transparent)
        lead = 1 if self.cover else 0
        sources, times = frame_schedule(len(self.store) - lead, self.fps, setting.fps)
        if lead:
            hold = round(100 * COVER_SECONDS)
            sources = [0] + [s + 1 for s in sources]
            times = [0] + [t + hold for t in times]
        canvas: np.ndarray | None = None
        last_unique = -1
        for j, source in enumerate(sources):
            delay = times[j + 1] - times[j]
            unique = self.store.unique_index(source)
            if unique == last_unique:
                gif.hold(delay)
                continue
            last_unique = unique
            indices = mapper.map(self._frame(unique, (width, height)))
            if canvas is None:
                gif.add(indices, 0, 0, delay, uses_transparency=False)
            else:
                changed = indices != canvas
                box = _changed_box(changed)
                if box is None:
                    gif.hold(delay)
                    continue
                top, bottom, left, right = box
                patch = np.where(
                    changed[top:bottom, left:right], indices[top:bottom, left:right], transparent
                ).astype(np.uint8)
                gif.add(patch, left, top, delay, uses_transparency=True)
            canvas = indices
            if limit is not None and gif.bytes > limit:
                return PassResult(
                    gif.bytes, False, gif.images, len(sources), width, height, setting.colors
                )
        gif.finish()
        return PassResult(gif.bytes, True, gif.images, len(sources), width, height, setting.colors)


# -- the writer ------------------------------------------------------------------------------


class GifWriter(FrameWriter):
    """Collects frames in a spill file and encodes the GIF at :meth:`close`.

    Parameters
    ----------
    path : Path
        The output file.
    width, height, fps : int
        Size and rate of the frames written.
    max_bytes : int, optional
        Size budget: choose frame rate, scale and palette so the file fits.
    cover : Frame, optional
        The GIF's first image (what previews show before, or instead of, playing it), held
        :data:`COVER_SECONDS` before the frames written.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        *,
        max_bytes: int | None = None,
        cover: Frame | None = None,
    ) -> None:
        super().__init__(path, "gif", width, height, fps)
        self.max_bytes = max_bytes
        prepare_folder(path)
        self._temp = temp_path(path)
        try:
            self._spill = temp_path(path, suffix=".frames")
            self._store = FrameStore(self._spill, width, height)
            self._colors = ColorCounter()
            self._cover = cover is not None
            if cover is not None:
                check_frame(cover, width, height)
                self._write(cover)
        except BaseException:
            discard(self._temp)
            raise

    def _write(self, frame: Frame) -> None:
        rgb = frame[:, :, :3]
        self._colors.add(rgb)
        self._store.append(rgb)

    def _finish(self) -> OutputReport:
        encoder = GifEncoder(self._store, self.fps, self._colors.histogram(), cover=self._cover)
        if self.max_bytes is None:
            setting = GifSetting(gif_fps(self.fps), 1.0, 256)
            with open(self._temp, "wb") as fp:
                result = encoder.encode(setting, fp)
            attempts = [GifAttempt(setting.fps, 1.0, 256, result.bytes, True)]
        else:
            setting, result, attempts = self._fit(encoder, self.max_bytes)
        self._store.close()
        discard(self._spill)
        commit(self._temp, self.path)
        choice = GifChoice(
            fps=setting.fps,
            scale=setting.scale,
            width=result.width,
            height=result.height,
            colors=setting.colors,
            images=result.images,
            attempts=tuple(attempts),
        )
        return OutputReport(
            path=self.path,
            format="gif",
            bytes=self.path.stat().st_size,
            frames=result.frames,
            fps=setting.fps,
            width=result.width,
            height=result.height,
            gif=choice,
        )

    def _fit(
        self, encoder: GifEncoder, budget: int
    ) -> tuple[GifSetting, PassResult, list[GifAttempt]]:
        """Encode with the best-looking setting that fits ``budget`` bytes.

        Each pass stops as soon as it overflows. The first palette of a (scale, rate) group may
        run on to budget / :data:`COLOR_SAVING`: if it overflows even that, smaller palettes
        cannot save enough and the rest of the group is skipped. The last candidate always runs
        to the end, so a failure can report the smallest size reached.
        """
        preferred, fallback = search_settings(self.width, self.fps)
        candidates = preferred + fallback
        attempts: list[GifAttempt] = []
        smallest: tuple[int, GifSetting] | None = None
        skip_group: tuple[float, float] | None = None
        previous_group: tuple[float, float] | None = None
        for i, setting in enumerate(candidates):
            group = (setting.scale, setting.fps)
            final = i == len(candidates) - 1
            if group == skip_group and not final:
                continue
            opens_group = group != previous_group
            previous_group = group
            more_in_group = not final and (candidates[i + 1].scale, candidates[i + 1].fps) == group
            if final:
                limit = None
            elif opens_group and more_in_group:
                limit = int(budget / COLOR_SAVING)
            else:
                limit = budget
            with open(self._temp, "wb") as fp:
                result = encoder.encode(setting, fp, limit)
            attempts.append(
                GifAttempt(
                    setting.fps, setting.scale, setting.colors, result.bytes, result.complete
                )
            )
            if result.complete and result.bytes <= budget:
                return setting, result, attempts
            if result.complete and (smallest is None or result.bytes < smallest[0]):
                smallest = (result.bytes, setting)
            if not result.complete and opens_group:
                skip_group = group
        assert smallest is not None
        size, setting = smallest
        width, height = setting.size(self.width, self.height)
        raise ConvanimError(
            f"cannot fit the GIF {self.path} in {human_size(budget)}: the smallest try "
            f"({setting.fps:g} fps, {width}×{height}, {setting.colors} colours) was "
            f"{human_size(size)}; allow a larger size, shorten the scene or use mp4/webm"
        )

    def _discard(self) -> None:
        store = getattr(self, "_store", None)
        if store is not None:
            store.close()
        discard(self._temp)
        spill = getattr(self, "_spill", None)
        if spill is not None:
            discard(spill)
