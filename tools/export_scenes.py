"""Regenerate the scenes exported from PyTorch modules in examples/models/ with from-torch.

Usage: python tools/export_scenes.py        (or: make scenes/conv_bn_relu.yaml)

Each scene is written by ``convanim from-torch`` (weights in ``scenes/<stem>_weights/``); the
script then puts the editor modeline, a comment saying what the scene teaches and a title in
front of the exported YAML. Needs torch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODELINE = "# yaml-language-server: $schema=../convanim-schema.json"

#: scene stem -> (FILE:NAME, input shape, title, comment lines).
SCENES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "conv_bn_relu": (
        "examples/models/conv_bn_relu.py:ConvBnRelu",
        "1,3,6,6",
        "Conv → BatchNorm → ReLU (from PyTorch)",
        (
            "A conv-bn-relu block, the brick most CNNs are built from, exported from the PyTorch",
            "module in examples/models/conv_bn_relu.py by tools/export_scenes.py. The 3×3 conv has",
            "no bias (batch norm's shift replaces it); batch norm, in eval mode, scales each",
            "channel by weight / sqrt(running_var + eps) and shifts it; ReLU zeroes the negatives.",
            "The weights are the module's own (scenes/conv_bn_relu_weights/*.npy).",
        ),
    ),
}


def export(stem: str) -> Path:
    """Export one scene and dress it; returns the spec's path."""
    target, shape, title, comment = SCENES[stem]
    out = Path("scenes") / f"{stem}.yaml"
    command = [sys.executable, "-m", "convanim", "from-torch", target, "--input-shape", shape]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*command, "-o", str(out)], cwd=ROOT, check=True, env=env)
    path = ROOT / out
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [f"title: {title}" if line.startswith("title: ") else line for line in lines]
    path.write_text(
        "\n".join([MODELINE, *(f"# {c}" for c in comment), "#", *body]) + "\n", encoding="utf-8"
    )
    return path


def main() -> None:
    """Export every scene in :data:`SCENES`."""
    for stem in SCENES:
        print(f"wrote {export(stem).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
