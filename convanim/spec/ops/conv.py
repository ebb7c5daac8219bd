"""``conv1d``, ``conv2d``, ``conv3d``: PyTorch's ``nn.Conv1d``, ``nn.Conv2d``, ``nn.Conv3d``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from convanim.spec.fields import (
    SAME_PADDING_STRIDE,
    BiasSource,
    Padding1d,
    Padding2d,
    Padding3d,
    Pair,
    PositiveInt,
    Single,
    Triple,
    ValueSource,
    same_padding_schema,
)
from convanim.spec.model_base import SpecModel
from convanim.spec.ops.base import Fail, KernelOpDef

__all__ = [
    "BIAS_DESC",
    "CONV1D",
    "CONV2D",
    "CONV3D",
    "Conv1dSpec",
    "Conv2dSpec",
    "Conv3dSpec",
    "ConvDef",
    "WEIGHT_DESC",
]

WEIGHT_DESC = (
    "random (seeded, PyTorch's default init bound 1/sqrt(fan_in)) | zeros | ones | arange | "
    "a nested list | a .npy path; PyTorch weight layout {layout}."
)
BIAS_DESC = "true (random, seeded), false (no bias) or a list with one number per output channel."


class Conv1dSpec(SpecModel):
    """``torch.nn.Conv1d``: a 1-D convolution along L (sequences, signals)."""

    model_config = ConfigDict(json_schema_extra=same_padding_schema())

    type: Literal["conv1d"] = Field(description="Op type: a 1-D convolution (torch.nn.Conv1d).")
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Single = Field(description="Kernel size: an int or [k].")
    stride: Single = Field(default=(1,), description="Stride: an int or [s].")
    padding: Padding1d = Field(
        default=(0,),
        description="Zero padding: an int, [p], 'same' (stride 1 only) or 'valid' (none).",
    )
    dilation: Single = Field(default=(1,), description="Spacing between kernel taps: an int.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, k)"),
    )


class Conv2dSpec(SpecModel):
    """``torch.nn.Conv2d``: a 2-D convolution."""

    model_config = ConfigDict(json_schema_extra=same_padding_schema())

    type: Literal["conv2d"] = Field(description="Op type: a 2-D convolution (torch.nn.Conv2d).")
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: Padding2d = Field(
        default=(0, 0),
        description="Zero padding: an int, [ph, pw], 'same' (stride 1 only) or 'valid' (none).",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kh, kw)"),
    )


class Conv3dSpec(SpecModel):
    """``torch.nn.Conv3d``: a 3-D convolution over (D, H, W)."""

    model_config = ConfigDict(json_schema_extra=same_padding_schema())

    type: Literal["conv3d"] = Field(description="Op type: a 3-D convolution (torch.nn.Conv3d).")
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Triple = Field(description="Kernel size: an int or [kd, kh, kw].")
    stride: Triple = Field(default=(1, 1, 1), description="Stride: an int or [sd, sh, sw].")
    padding: Padding3d = Field(
        default=(0, 0, 0),
        description="Zero padding: an int, [pd, ph, pw], 'same' (stride 1 only) or 'valid'.",
    )
    dilation: Triple = Field(
        default=(1, 1, 1), description="Spacing between kernel taps: an int or a triple."
    )
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kd, kh, kw)"),
    )


class ConvDef(KernelOpDef):
    """A plain convolution of any spatial rank (``padding`` may be ``"same"`` / ``"valid"``)."""

    named_padding = True

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """Groups divide the channels; ``padding: same`` needs stride 1 (as in PyTorch)."""
        super().check(op, input_shape, fail)
        if op.padding == "same" and any(s != SAME_PADDING_STRIDE for s in op.stride):
            raise fail(
                "padding",
                f"padding 'same' needs stride {SAME_PADDING_STRIDE} (as in PyTorch), got "
                f"stride {list(op.stride)}; give the padding as numbers instead",
            )


CONV1D = ConvDef("conv1d", Conv1dSpec, spatial_rank=1)


class Conv2dDef(ConvDef):
    """conv2d: a plain 2-D convolution, drawn as a matrix product by ``view: matrix``."""

    has_matrix_form = True


CONV2D = Conv2dDef("conv2d", Conv2dSpec, spatial_rank=2)
CONV3D = ConvDef("conv3d", Conv3dSpec, spatial_rank=3)
