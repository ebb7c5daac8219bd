"""Draw the pictures the picture scenes of scenes/ read.

Usage: python tools/make_scene_pictures.py [OUT_DIR]   (default: scenes/)

Writes, deterministically and without downloading anything:

- ``house.png``: a 64x64 grayscale house (roof, wall, door, window, ground) with crisp edges;
  ``edge_detection.yaml`` resizes it to 32x32 and runs a Laplacian kernel over it.
- ``digit.png``: a 28x28 handwritten-looking "3", white on black like an MNIST digit;
  ``lenet_digit.yaml`` runs a trained LeNet-5 on it (tools/train_lenet.py).
- ``balloon.png``: a 32x32 colour picture (a red balloon, a yellow sun, blue sky, green grass);
  ``conv_bn_relu.yaml`` shrinks it to 16x16 and runs conv, batch norm and ReLU on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

SCENES = Path(__file__).resolve().parent.parent / "scenes"


def house(size: int = 64) -> Image.Image:
    """A grayscale house under a light sky, every part a flat grey (edges a kernel can find)."""
    image = Image.new("L", (size, size), 205)  # sky
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 50, size - 1, size - 1), fill=95)  # ground
    draw.rectangle((14, 28, 49, 51), fill=150)  # wall
    draw.polygon([(10, 30), (32, 8), (54, 30)], fill=45)  # roof
    draw.rectangle((20, 36, 29, 51), fill=35)  # door
    draw.rectangle((36, 34, 44, 42), fill=250)  # window
    draw.rectangle((50, 4, 57, 11), fill=245)  # sun
    return image


def balloon(size: int = 32) -> Image.Image:
    """A red balloon on a string under a yellow sun, blue sky above green grass (RGB)."""
    image = Image.new("RGB", (size, size), (90, 150, 225))  # sky
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 24, size - 1, size - 1), fill=(70, 160, 60))  # grass
    draw.ellipse((22, 2, 29, 9), fill=(250, 215, 60))  # sun
    draw.line((13, 18, 15, 27), fill=(60, 40, 30), width=1)  # string
    draw.ellipse((6, 4, 20, 19), fill=(215, 40, 45))  # balloon
    return image


def digit(size: int = 28) -> Image.Image:
    """A "3" drawn with thick strokes, white on black (an MNIST-like 28x28 digit)."""
    scale = 8  # draw large, then shrink: smooth strokes like a scanned digit
    big = Image.new("L", (size * scale, size * scale), 0)
    draw = ImageDraw.Draw(big)
    width = 3 * scale
    draw.arc((7 * scale, 4 * scale, 20 * scale, 14 * scale), 180, 90, fill=255, width=width)
    draw.arc((6 * scale, 12 * scale, 21 * scale, 24 * scale), 270, 160, fill=255, width=width)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main(argv: list[str]) -> int:
    """Write the pictures to OUT_DIR (default: scenes/)."""
    out = Path(argv[0]) if argv else SCENES
    out.mkdir(parents=True, exist_ok=True)
    house().save(out / "house.png", optimize=True)
    balloon().save(out / "balloon.png", optimize=True)
    digit().save(out / "digit.png", optimize=True)
    print(f"wrote house.png, balloon.png and digit.png to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
