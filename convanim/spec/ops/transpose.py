"""``conv_transpose2d``: PyTorch's ``nn.ConvTranspose2d``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import BiasSource, NonNegativePair, Pair, PositiveInt, ValueSource
from convanim.spec.model_base import SpecModel
from convanim.spec.ops import axis
from convanim.spec.ops.base import Fail, KernelOpDef, TensorRequest
from convanim.spec.ops.conv import BIAS_DESC, WEIGHT_DESC
from convanim.spec.ops.cost import Cost, conv_transpose_cost
from convanim.spec.ops.receptive import ReceptiveField, after_transpose

__all__ = ["CONV_TRANSPOSE2D", "ConvTranspose2dSpec", "TransposeDef"]


class ConvTranspose2dSpec(SpecModel):
    """``torch.nn.ConvTranspose2d``: a transposed 2-D convolution."""

    type: Literal["conv_transpose2d"] = Field(
        description="Op type: a transposed 2-D convolution (torch.nn.ConvTranspose2d)."
    )
    out_channels: PositiveInt = Field(description="Number of output channels.")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Rows/columns removed from each side of the full output: an int or pair.",
    )
    output_padding: NonNegativePair = Field(
        default=(0, 0),
        description="Extra rows/columns on the bottom/right; smaller than stride or dilation.",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(in_channels, out_channels/groups, kh, kw)"),
    )


class TransposeDef(KernelOpDef):
    """A transposed convolution: each input element stamps the kernel onto the output.

    ``padding`` removes rows and columns from the full output (it is the explicit sides
    ``(p, p)`` per axis here), ``output_padding`` adds some on the bottom/right.
    """

    steps_over_input = True
    has_matrix_form = True

    def axis_rule(self, op: Any, i: int) -> axis.AxisRule:
        """``(n - 1)*s - 2*p + d*(k-1) + output_padding + 1`` and its formula."""
        k, s, d = self.kernel(op)[i], self.stride(op)[i], self.dilation(op)[i]
        p, extra = op.padding[i], op.output_padding[i]
        return (
            partial(axis.conv_transpose_out_size, k=k, s=s, p=p, output_padding=extra, d=d),
            partial(axis.conv_transpose_formula, k=k, s=s, p=p, output_padding=extra, d=d),
            partial(axis.conv_transpose_formula_tex, k=k, s=s, p=p, output_padding=extra, d=d),
        )

    def weight_request(self, op: Any, input_shape: tuple[int, ...]) -> TensorRequest:
        """PyTorch's layout ``(in_channels, out_channels/groups, kh, kw)``; fan-in from it."""
        kernel = self.kernel(op)
        per_input = op.out_channels // op.groups
        return TensorRequest(
            "weight",
            op.weight,
            (input_shape[1], per_input, *kernel),
            "(in_channels, out_channels/groups, kh, kw)",
            "weight",
            per_input * math.prod(kernel),
        )

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """Counted on the input grid: ``N * Cin * prod(in) * (Cout/g) * prod(kernel)``."""
        shape = tuple(int(v) for v in input_shape)
        return conv_transpose_cost(
            shape[0], shape[1], op.out_channels, shape[2:], self.kernel(op), op.groups,
            op.bias is not False,
        )  # fmt: skip

    def work_buffer(self, op: Any, input_shape: Sequence[int]) -> int:
        """The stamped kernels before they are summed: ``N * prod(in) * Cout * prod(kernel)``."""
        shape = tuple(int(v) for v in input_shape)
        return shape[0] * math.prod(shape[2:]) * op.out_channels * math.prod(self.kernel(op))

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """The finer output grid (see :func:`after_transpose`)."""
        return after_transpose(
            rf, self.kernel(op), self.stride(op), tuple(op.padding), self.dilation(op)
        )

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """Groups divide the channels; ``output_padding`` < stride or dilation per axis."""
        super().check(op, input_shape, fail)
        axes = zip(op.output_padding, op.stride, op.dilation, strict=True)
        for i, (o, s, d) in enumerate(axes):
            if o >= s and o >= d:
                raise fail(
                    "output_padding",
                    f"output_padding {list(op.output_padding)} must be smaller than the "
                    f"stride {list(op.stride)} or the dilation {list(op.dilation)} in each "
                    f"axis (as in PyTorch); axis {'HW'[i]} has {o}",
                )

    def check_fits(
        self, op: Any, input_shape: tuple[int, ...], output_shape: tuple[int, ...], fail: Fail
    ) -> None:
        """Refuse a padding that removes the whole output, with the formula."""
        formula = self.empty_axis_formula(op, input_shape, output_shape)
        if formula is None:
            return
        raise fail("padding", f"padding {list(op.padding)} removes the whole output: {formula}")


CONV_TRANSPOSE2D = TransposeDef("conv_transpose2d", ConvTranspose2dSpec)
