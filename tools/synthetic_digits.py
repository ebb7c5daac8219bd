"""Synthetic handwritten-looking digits 0-9, 28x28 white on black like MNIST, made locally.

Used by tools/train_lenet.py (no download: the machine's fonts and hand-drawn strokes). Two
sources of clean glyphs, drawn at 56x56 (twice the final size) with the digit about 40 pixels
tall, as MNIST fits its digits in a 20x20 box of the 28x28 picture:

- font glyphs: every font file ``fc-list`` names (DejaVu, Liberation, Noto... the first face of
  a collection) whose ten digits draw as ten different pictures, at three stroke widths;
- stroke glyphs: each digit as pen strokes (lines and elliptic arcs, two or three ways of
  writing most digits), every control point jittered, drawn with a random pen width.

:func:`augment` then gives every sample its own rotation, scale, aspect, shear and shift, thinner
or thicker strokes, blur, contrast and noise, and shrinks it to 28x28. Everything is drawn from
seeded generators: the same seed on the same fonts gives the same pictures.
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from PIL import Image, ImageDraw, ImageFont

SIZE = 28
"""Side of a sample (pixels)."""
CANVAS = 2 * SIZE
"""Side of a clean glyph: drawn at twice the size, shrunk after the affine transform."""
GLYPH_HEIGHT = 40
"""Height of a digit on the canvas (20 of the final 28 pixels)."""

CHUNK = 2000
"""Samples augmented at once."""

Point = tuple[float, float]


def font_files() -> list[Path]:
    """Font files fontconfig knows (``fc-list``), sorted, each once."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\n"], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    files = {Path(line) for line in listed.splitlines() if line.strip()}
    return sorted(p for p in files if p.suffix.lower() in (".ttf", ".otf", ".ttc"))


def _fit(image: Image.Image) -> np.ndarray:
    """Crop to the ink, scale to :data:`GLYPH_HEIGHT` tall (at most as wide), centre on the
    canvas; float32 in [0, 1]."""
    box = image.getbbox()
    if box is None:
        return np.zeros((CANVAS, CANVAS), np.float32)
    ink = image.crop(box)
    scale = GLYPH_HEIGHT / max(ink.height, ink.width * 0.95)
    size = (max(1, round(ink.width * scale)), max(1, round(ink.height * scale)))
    ink = ink.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    canvas.paste(ink, ((CANVAS - size[0]) // 2, (CANVAS - size[1]) // 2))
    return np.asarray(canvas, np.float32) / 255.0


def font_digits(path: Path, stroke: int) -> np.ndarray | None:
    """The ten digits of one font, (10, CANVAS, CANVAS), or None when the font has no distinct
    digits (a fallback box, a symbol font)."""
    try:
        font = ImageFont.truetype(str(path), 96)
    except OSError:
        return None
    glyphs = []
    for d in range(10):
        image = Image.new("L", (160, 160), 0)
        ImageDraw.Draw(image).text((30, 10), str(d), fill=255, font=font, stroke_width=stroke)
        glyphs.append(_fit(image))
    stack = np.stack(glyphs)
    flat = (stack > 0.5).reshape(10, -1)
    distinct = len({row.tobytes() for row in flat}) == 10
    return stack if distinct and flat.any(axis=1).all() else None


def font_bank(fonts: Sequence[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Clean glyphs of every usable font at three stroke widths: (images, labels)."""
    images, labels = [], []
    for path in fonts:
        for stroke in (0, 2, 4):
            digits = font_digits(path, stroke)
            if digits is None:
                break
            images.append(digits)
            labels.append(np.arange(10))
    if not images:
        return np.zeros((0, CANVAS, CANVAS), np.float32), np.zeros(0, np.int64)
    return np.concatenate(images), np.concatenate(labels)


# --- pen strokes ----------------------------------------------------------------------------
# A digit is drawn in a box 0.7 wide and 1 tall (x right, y down); angles in degrees, 0 to the
# right and 90 down (so 270 is the top of an ellipse).


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> list[Point]:
    """Points along an elliptic arc from angle ``start`` to ``end`` (either direction)."""
    n = max(4, int(abs(end - start) / 15))
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, n)
    ]


STROKES: dict[int, list[list[list[Point]]]] = {
    0: [
        [arc(0.35, 0.5, 0.3, 0.48, 270, 640)],
        [arc(0.35, 0.5, 0.25, 0.48, 250, 615)],
    ],
    1: [
        [[(0.38, 0.0), (0.36, 1.0)]],
        [[(0.15, 0.22), (0.42, 0.0), (0.42, 1.0)]],
        [[(0.15, 0.2), (0.4, 0.0), (0.4, 1.0)], [(0.15, 1.0), (0.65, 1.0)]],
    ],
    2: [
        [[*arc(0.35, 0.28, 0.29, 0.27, 195, 400), (0.02, 1.0), (0.7, 1.0)]],
        [[*arc(0.35, 0.3, 0.3, 0.29, 200, 380), (0.1, 0.85), (0.04, 1.0), (0.7, 0.98)]],
    ],
    3: [
        [arc(0.33, 0.26, 0.27, 0.24, 200, 450), arc(0.33, 0.73, 0.32, 0.27, 270, 520)],
        [[(0.05, 0.02), (0.62, 0.02), (0.3, 0.42)], arc(0.33, 0.7, 0.32, 0.29, 250, 520)],
        [[*arc(0.33, 0.26, 0.28, 0.24, 200, 440), *arc(0.33, 0.73, 0.33, 0.27, 280, 520)]],
    ],
    4: [
        [[(0.52, 1.0), (0.52, 0.0), (0.0, 0.68), (0.7, 0.68)]],
        [[(0.08, 0.0), (0.04, 0.6), (0.7, 0.6)], [(0.52, 0.2), (0.52, 1.0)]],
    ],
    5: [
        [[(0.64, 0.0), (0.12, 0.0), (0.1, 0.47)], arc(0.33, 0.69, 0.31, 0.3, 220, 510)],
        [[(0.6, 0.02), (0.15, 0.02), (0.08, 0.45), *arc(0.33, 0.7, 0.3, 0.28, 230, 500)]],
    ],
    6: [
        [[*arc(0.62, 0.6, 0.55, 0.58, 255, 170), *arc(0.36, 0.73, 0.29, 0.26, 180, 540)]],
        [[(0.55, 0.0), (0.1, 0.55), *arc(0.36, 0.73, 0.29, 0.26, 200, 560)]],
    ],
    7: [
        [[(0.02, 0.0), (0.68, 0.0), (0.25, 1.0)]],
        [[(0.02, 0.05), (0.68, 0.0), (0.3, 1.0)], [(0.2, 0.5), (0.62, 0.5)]],
        [[(0.0, 0.15), (0.05, 0.0), (0.68, 0.0), (0.4, 0.5), (0.35, 1.0)]],
    ],
    8: [
        [arc(0.35, 0.25, 0.24, 0.24, 0, 360), arc(0.35, 0.73, 0.3, 0.26, 0, 360)],
        [
            [
                *arc(0.35, 0.25, 0.25, 0.24, 90, 450),
                *arc(0.35, 0.74, 0.31, 0.26, 270, 630),
            ]
        ],
    ],
    9: [
        [arc(0.33, 0.3, 0.28, 0.28, 0, 360), [(0.61, 0.3), (0.56, 1.0)]],
        [arc(0.33, 0.28, 0.28, 0.27, 0, 360), arc(0.0, 0.28, 0.61, 0.72, 0, 100)],
    ],
}
"""Pen strokes of each digit: a list of ways to write it, each a list of polylines."""


def stroke_digit(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One jittered pen drawing of ``digit`` on the canvas, float32 in [0, 1]."""
    ways = STROKES[digit]
    strokes = ways[int(rng.integers(len(ways)))]
    shift = rng.normal(0.0, 0.02, size=2)  # the whole digit's jitter, each line's, each point's
    width = int(rng.integers(5, 15))  # pen width in the 2x drawing (1.25-3.5 px at 28x28)
    scale = 2 * GLYPH_HEIGHT  # draw at twice the canvas, then shrink: smooth strokes
    big = Image.new("L", (2 * CANVAS, 2 * CANVAS), 0)
    draw = ImageDraw.Draw(big)
    for line in strokes:
        wobble = rng.normal(0.0, 0.02, size=2) + rng.normal(0.0, 0.008, size=(len(line), 2))
        pts = np.asarray(line) + shift + wobble
        xy = [(float(x * scale + 20), float(y * scale + 16)) for x, y in pts]
        draw.line(xy, fill=255, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):  # round pen ends
            r = width / 2
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return _fit(big)


def stroke_bank(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` pen-drawn glyphs, the digits in turn: (images, labels)."""
    labels = np.arange(count) % 10
    images = [stroke_digit(int(d), rng) for d in labels]
    return np.array(images, np.float32).reshape(count, CANVAS, CANVAS), labels


# --- augmentation ---------------------------------------------------------------------------


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen)


def augment(clean: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random handwriting variations of clean glyphs (N, CANVAS, CANVAS) -> (N, 1, 28, 28).

    Per sample: strokes made thinner or thicker (a 3x3 min or max filter, or neither); rotation
    up to 15°, scale 0.8-1.15, aspect 0.85-1.15, shear up to 0.3, shift up to 2 pixels; shrink
    to 28x28; blur (Gaussian, sigma up to 0.9 pixels); ink 0.75-1 bright; noise up to 0.06.
    """
    n = clean.shape[0]
    x = clean[:, None]
    pick = torch.rand(n, generator=gen)[:, None, None, None]
    thicker = F.max_pool2d(x, 3, 1, 1)
    thinner = -F.max_pool2d(-x, 3, 1, 1)
    x = torch.where(pick < 0.3, thicker, torch.where(pick < 0.5, thinner, x))

    angle = torch.deg2rad(_uniform(n, -15.0, 15.0, gen))
    scale = _uniform(n, 0.8, 1.15, gen)
    aspect = _uniform(n, 0.85, 1.15, gen)
    shear = _uniform(n, -0.3, 0.3, gen)
    shift = _uniform(2 * n, -2.0, 2.0, gen).reshape(n, 2) * 2 / SIZE
    cos, sin = torch.cos(angle), torch.sin(angle)
    # output -> input coordinates: the inverse of scale, shear and rotate
    sx, sy = scale * aspect, scale / aspect
    a = torch.stack([cos / sx, sin / sx, -sin / sy + shear * cos / sy, cos / sy], 1)
    theta = torch.cat([a.reshape(n, 2, 2), shift[:, :, None]], 2)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    x = F.avg_pool2d(x, 2)

    sigma = _uniform(n, 0.05, 0.9, gen)
    taps = torch.arange(-2, 3, dtype=torch.float32)
    kernel1d = torch.exp(-(taps[None] ** 2) / (2 * sigma[:, None] ** 2))
    kernel1d = kernel1d / kernel1d.sum(1, keepdim=True)
    kernel = (kernel1d[:, :, None] * kernel1d[:, None, :])[:, None]
    x = F.conv2d(x.reshape(1, n, SIZE, SIZE), kernel, padding=2, groups=n).reshape(n, 1, SIZE, SIZE)

    peak = x.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    x = x / peak * _uniform(n, 0.75, 1.0, gen)[:, None, None, None]
    noise = torch.randn(x.shape, generator=gen) * _uniform(n, 0.0, 0.06, gen)[:, None, None, None]
    return (x + noise).clamp(0.0, 1.0)


@dataclass(frozen=True)
class Digits:
    """Samples (N, 1, 28, 28) float32 in [0, 1], their labels (N,) and their source (N,):
    0 a font glyph, 1 a pen drawing."""

    images: torch.Tensor
    labels: torch.Tensor
    source: torch.Tensor


def make_digits(
    count: int, seed: int, fonts: tuple[np.ndarray, np.ndarray], pen_share: float = 0.5
) -> Digits:
    """``count`` fresh samples: ``pen_share`` of them new pen drawings, the rest font glyphs
    (picked at random from ``fonts``, a :func:`font_bank`), every one augmented."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    font_images, font_labels = fonts
    pens = round(count * pen_share) if len(font_images) else count
    pen_images, pen_labels = stroke_bank(pens, rng)
    pick = rng.integers(len(font_images), size=count - pens) if len(font_images) else []
    clean = np.concatenate([pen_images, font_images[pick]]) if len(pick) else pen_images
    labels = np.concatenate([pen_labels, font_labels[pick]]) if len(pick) else pen_labels
    source = np.concatenate([np.ones(pens, np.int64), np.zeros(count - pens, np.int64)])
    order = rng.permutation(count)
    chunks = [  # a few thousand at a time: the 2x canvases of all of them would take gigabytes
        augment(torch.from_numpy(clean[order[i : i + CHUNK]]), gen) for i in range(0, count, CHUNK)
    ]
    images = torch.cat(chunks)
    return Digits(images, torch.from_numpy(labels[order]), torch.from_numpy(source[order]))
