"""``max_pool2d`` and ``avg_pool2d``: PyTorch's ``nn.MaxPool2d`` / ``nn.AvgPool2d``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import (
    NonNegativePair,
    OptionalPair,
    OptionalPositiveInt,
    Pair,
    StrictBool,
)
from convanim.spec.model_base import SpecModel
from convanim.spec.ops import axis
from convanim.spec.ops.base import Fail, WindowedOpDef

__all__ = ["AVG_POOL2D", "MAX_POOL2D", "AvgPool2dSpec", "MaxPool2dSpec", "PoolDef"]


class MaxPool2dSpec(SpecModel):
    """``torch.nn.MaxPool2d``: the maximum of each window, channel by channel."""

    type: Literal["max_pool2d"] = Field(
        description="Op type: 2-D max pooling (torch.nn.MaxPool2d)."
    )
    kernel_size: Pair = Field(description="Window size: an int or [kh, kw].")
    stride: OptionalPair = Field(
        default=None, description="Stride: an int or pair; default (null) = kernel_size."
    )
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Implicit -inf padding on each side: an int or pair, at most half the window.",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between window taps: int or pair.")
    ceil_mode: StrictBool = Field(
        default=False,
        description="Round the output size up (the last window must start inside the input).",
    )


class AvgPool2dSpec(SpecModel):
    """``torch.nn.AvgPool2d``: the mean of each window, channel by channel."""

    type: Literal["avg_pool2d"] = Field(
        description="Op type: 2-D average pooling (torch.nn.AvgPool2d)."
    )
    kernel_size: Pair = Field(description="Window size: an int or [kh, kw].")
    stride: OptionalPair = Field(
        default=None, description="Stride: an int or pair; default (null) = kernel_size."
    )
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Zero padding on each side: an int or pair, at most half the window.",
    )
    ceil_mode: StrictBool = Field(
        default=False,
        description="Round the output size up (the last window must start inside the input).",
    )
    count_include_pad: StrictBool = Field(
        default=True, description="Count padding zeros in the divisor."
    )
    divisor_override: OptionalPositiveInt = Field(
        default=None, description="Divide every window sum by this number instead."
    )


class PoolDef(WindowedOpDef):
    """Pooling: one window per channel, no weights, 0 MACs; ``ceil_mode`` as in PyTorch.

    ``reduction`` names what a window gives (``"max"`` or ``"mean"``).
    """

    pooling = True
    noun = "window"

    def __init__(self, type: str, model: type[SpecModel], reduction: str) -> None:
        super().__init__(type, model)
        self.reduction = reduction

    def axis_rule(self, op: Any, i: int) -> axis.AxisRule:
        """Like a convolution, with ``ceil`` and PyTorch's dropped last window in ceil mode."""
        k, s, d = self.kernel(op)[i], self.stride(op)[i], self.dilation(op)[i]
        p, ceil = op.padding[i], op.ceil_mode
        return (
            partial(axis.pool_out_size, k=k, s=s, p=p, d=d, ceil_mode=ceil),
            partial(axis.pool_formula, k=k, s=s, p=p, d=d, ceil_mode=ceil),
            partial(axis.pool_formula_tex, k=k, s=s, p=p, d=d, ceil_mode=ceil),
        )

    def work_buffer(self, op: Any, input_shape: Sequence[int]) -> int:
        """The unfolded windows: ``N * C * prod(out) * prod(kernel)``."""
        shape = tuple(int(v) for v in input_shape)
        out = self.output_shape(op, shape)
        windows = math.prod(max(s, 0) for s in out[2:])
        return shape[0] * shape[1] * windows * math.prod(self.kernel(op))

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """The padding is at most half the (dilated) window, as PyTorch requires."""
        kernel, dilation, padding = self.kernel(op), self.dilation(op), op.padding
        limit = [((k - 1) * d + 1) // 2 for k, d in zip(kernel, dilation, strict=True)]
        if any(p > m for p, m in zip(padding, limit, strict=True)):
            window = "dilated window" if any(d != 1 for d in dilation) else "window"
            raise fail(
                "padding",
                f"padding {list(padding)} must be at most half the {window} (as in PyTorch): "
                f"kernel_size {list(kernel)} allows at most {limit}",
            )


MAX_POOL2D = PoolDef("max_pool2d", MaxPool2dSpec, reduction="max")
AVG_POOL2D = PoolDef("avg_pool2d", AvgPool2dSpec, reduction="mean")
