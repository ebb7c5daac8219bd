"""``deform_conv2d``: torchvision's ``ops.DeformConv2d``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import (
    BiasSource,
    NonNegativePair,
    OptionalValueSource,
    Pair,
    PositiveInt,
    ValueSource,
)
from convanim.spec.model_base import SpecModel
from convanim.spec.ops.base import Fail, KernelOpDef, TensorRequest, divisors
from convanim.spec.ops.conv import BIAS_DESC, WEIGHT_DESC

__all__ = ["DEFORM_CONV2D", "DeformConv2dSpec", "DeformDef"]


class DeformConv2dSpec(SpecModel):
    """``torchvision.ops.DeformConv2d``: a convolution sampling at learned fractional offsets."""

    type: Literal["deform_conv2d"] = Field(
        description="Op type: deformable convolution (torchvision.ops.DeformConv2d)."
    )
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: NonNegativePair = Field(default=(0, 0), description="Zero padding: an int or pair.")
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    offset_groups: PositiveInt = Field(
        default=1, description="Groups of input channels sharing one offset field."
    )
    bias: BiasSource = Field(default=True, description=BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kh, kw)"),
    )
    offset: ValueSource = Field(
        default="random",
        description=(
            "Sampling offsets (dy, dx per tap), shape (N, 2*offset_groups*kh*kw, H_out, W_out): "
            "random (uniform in [-1, 1]) | zeros | ones | arange | nested list | .npy path."
        ),
    )
    mask: OptionalValueSource = Field(
        default=None,
        description=(
            "Optional modulation mask, shape (N, offset_groups*kh*kw, H_out, W_out): "
            "random (uniform in [0, 1]) | zeros | ones | arange | nested list | .npy path."
        ),
    )


class DeformDef(KernelOpDef):
    """A convolution on a regular grid of taps, each moved by its offset (and masked).

    Counted like ``conv2d``: the bilinear sampling and the mask are not MACs; offsets and masks
    are inputs, not params. The receptive field is the regular grid's.
    """

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """Weight, bias, the offsets and the optional mask (these two may omit a batch of 1)."""
        shape = tuple(int(v) for v in input_shape)
        n, _, ho, wo = self.output_shape(op, shape)
        og, taps = op.offset_groups, math.prod(self.kernel(op))
        out = [
            *super().tensor_requests(op, shape),
            TensorRequest(
                "offset", op.offset, (n, 2 * og * taps, ho, wo),
                "(N, 2*offset_groups*kh*kw, H_out, W_out)", "offset", allow_unbatched=True,
            ),
        ]  # fmt: skip
        if op.mask is not None:
            out.append(
                TensorRequest(
                    "mask",
                    op.mask,
                    (n, og * taps, ho, wo),
                    "(N, offset_groups*kh*kw, H_out, W_out)",
                    "mask",
                    allow_unbatched=True,
                )  # fmt: skip
            )
        return tuple(out)

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """Groups and offset groups divide the input channels."""
        super().check(op, input_shape, fail)
        c = input_shape[1]
        if c % op.offset_groups:
            raise fail(
                "offset_groups",
                f"offset_groups={op.offset_groups} does not divide in_channels={c} "
                f"(allowed: {divisors(c)})",
            )


DEFORM_CONV2D = DeformDef("deform_conv2d", DeformConv2dSpec)
