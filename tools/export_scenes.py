"""Regenerate the scenes exported from PyTorch modules in examples/models/ with from-torch.

Usage: python tools/export_scenes.py        (or: make scenes/conv_bn_relu.yaml)

Each scene is written by ``convanim from-torch`` (weights in ``scenes/<stem>_weights/``); the
script then puts the editor modeline, a comment saying what the scene teaches and a title in
front of the exported YAML. Needs torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODELINE = "# yaml-language-server: $schema=../convanim-schema.json"

#: scene stem -> (FILE:NAME, input shape, input picture or "", title, comment lines).
SCENES: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "conv_bn_relu": (
        "examples/models/conv_bn_relu.py:ConvBnRelu",
        "1,3,16,16",
        "scenes/balloon.png",
        "Conv, batch norm, ReLU: a PyTorch block on a picture",
        (
            "Conv, batch norm, ReLU: the block most CNNs repeat, exported with from-torch from",
            "the PyTorch module in examples/models/conv_bn_relu.py (tools/export_scenes.py; the",
            "weights are the module's own, in conv_bn_relu_weights/). balloon.png (32x32 RGB,",
            "drawn by tools/make_scene_pictures.py) is shrunk to 16x16 and scaled to [0, 1].",
            "The 3x3 conv (4 kernels, padding 1, no bias: batch norm's shift replaces it) gives",
            "4x16x16; batch norm (eval mode) scales and shifts each channel with its running",
            "statistics: y = (x - mean) / sqrt(var + eps) * weight + bias = x * s + t; ReLU",
            "sets the negatives to 0. What it teaches: batch norm is a per-channel scale and",
            "shift at inference (2C params, one multiply-add per element), and ReLU keeps only",
            "the positive responses.",
        ),
    ),
    "lenet_digit": (
        "examples/models/digit_lenet.py:trained_digit_lenet",
        "1,1,28,28",
        "scenes/digit.png",
        "LeNet-5 reads a digit",
        (
            "A trained LeNet-5 reads a handwritten digit: every weight was learned from",
            "examples. The network (examples/models/digit_lenet.py) was trained by",
            "tools/train_lenet.py on 30,000 synthetic digits (the machine's fonts and pen",
            "strokes, randomly turned, stretched, blurred and noised; about 99 % right on fresh",
            "ones) and exported with from-torch (tools/export_scenes.py; the weights are the",
            "module's own, in lenet_digit_weights/; each layer's maps are ordered busiest first).",
            'digit.png is a 28x28 "3" (white on black like MNIST, drawn by',
            "tools/make_scene_pictures.py; not a training sample). conv1: six learned 5x5",
            "kernels, padding 2 -> 6x28x28: two maps light up on the strokes themselves, the",
            "others on the edges of one direction (light on one side of a stroke, dark on the",
            "other). ReLU, 2x2 max pooling -> 6x14x14. conv2: sixteen 5x5x6 kernels combine",
            "them into 16x10x10 maps of stroke parts (the right-hand curves, the bottom arc,",
            "diagonals), ReLU, pooling -> 16x5x5. flatten lines the 400 values up in C,H,W",
            "order, and the linear layer (400 x 10 weights + 10 biases) gives ten class scores,",
            "one per digit 0-9, numbered beside the column: the largest, 3, is the answer.",
            "What it teaches: how a picture becomes features and then a decision, layer by",
            "layer, with the true numbers, shapes and counts of every step.",
        ),
    ),
}

#: scene stem -> YAML lines put after the exported spec (presentation settings).
EXTRA: dict[str, tuple[str, ...]] = {
    "lenet_digit": ("animation:", "  op_duration: 3.4       # 8 ops in 28 s"),
}


def export(stem: str) -> Path:
    """Export one scene and dress it; returns the spec's path."""
    target, shape, picture, title, comment = SCENES[stem]
    out = Path("scenes") / f"{stem}.yaml"
    command = [sys.executable, "-m", "convanim", "from-torch", target, "--input-shape", shape]
    if picture:
        command += ["--input-image", picture]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*command, "-o", str(out)], cwd=ROOT, check=True, env=env)
    path = ROOT / out
    lines = path.read_text(encoding="utf-8").splitlines()
    quoted = json.dumps(title, ensure_ascii=False)  # a YAML double-quoted string
    body = [f"title: {quoted}" if line.startswith("title: ") else line for line in lines]
    lines = [MODELINE, *(f"# {c}" for c in comment), "#", *body, *EXTRA.get(stem, ())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    """Export every scene in :data:`SCENES`."""
    for stem in SCENES:
        print(f"wrote {export(stem).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
