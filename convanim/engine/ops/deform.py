"""``deform_conv2d``: the NumPy deformable convolution and its sampling points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.deform import deform_conv2d
from convanim.engine.ops.registry import Step, runner
from convanim.engine.trace import deform_trace, window_trace


@runner("deform_conv2d")
def run_deform_conv2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """torchvision's deformable convolution; the trace holds the regular grid and the points."""
    mask = t.get("mask")
    out = deform_conv2d(
        x, t["weight"], t.get("bias"), t["offset"], mask, op.stride, op.padding, op.dilation,
        op.groups, op.offset_groups,
    )  # fmt: skip
    ph, pw = op.padding
    h, w = (int(v) for v in x.shape[2:])
    ho, wo = (int(v) for v in out.shape[2:])
    window = window_trace(
        (h, w), op.kernel_size, op.stride, (ph, ph, pw, pw), op.dilation, groups=op.groups,
        in_channels=int(x.shape[1]), out_channels=op.out_channels, output_size=(ho, wo),
    )  # fmt: skip
    extras = {"offset": t["offset"]}
    if mask is not None:
        extras["mask"] = mask
    return Step(out, deform_trace(window, t["offset"], mask, op.offset_groups), extras)
