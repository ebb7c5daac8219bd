"""``conv_transpose2d``: the NumPy transposed convolution and its stamps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.conv import conv_transpose2d
from convanim.engine.ops.registry import Step, runner
from convanim.engine.trace import transpose_trace


@runner("conv_transpose2d")
def run_conv_transpose2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """A transposed convolution; the trace has both the scatter and the direct view."""
    out = conv_transpose2d(
        x, t["weight"], t.get("bias"), op.stride, op.padding, op.output_padding, op.dilation,
        op.groups,
    )  # fmt: skip
    h, w = (int(v) for v in x.shape[2:])
    trace = transpose_trace(
        (h, w), t["weight"], op.stride, op.padding, op.output_padding, op.dilation, op.groups
    )
    return Step(out, trace)
