"""``relu``, ``batch_norm2d``, ``flatten`` and ``linear``: the layers around the convolutions.

PyTorch's ``nn.ReLU``, ``nn.BatchNorm2d`` (eval mode: the running statistics), ``nn.Flatten``
(``start_dim`` 1: the batch stays, everything else becomes one row of features, C,H,W order) and
``nn.Linear`` (weight in PyTorch's ``(out_features, in_features)`` layout). A flattened tensor
has no spatial axes: ``(N, features)``, spatial rank 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import (
    BiasSource,
    OptionalPositiveInt,
    PositiveFloat,
    PositiveInt,
    ValueSource,
)
from convanim.spec.model_base import SpecModel
from convanim.spec.ops import axis
from convanim.spec.ops.base import Fail, OpDef, TensorRequest
from convanim.spec.ops.conv import BIAS_DESC, WEIGHT_DESC
from convanim.spec.ops.cost import Cost, batch_norm_cost, linear_cost
from convanim.spec.ops.receptive import ReceptiveField, after_global
from convanim.spec.ops.table import Cell, ShapeRow, ShapeTable

__all__ = [
    "BATCH_NORM2D",
    "FLATTEN",
    "LINEAR",
    "RELU",
    "BatchNorm2dSpec",
    "FlattenSpec",
    "LinearSpec",
    "ReluSpec",
]

#: Spatial ranks an element-wise op takes: vectors, sequences, pictures, volumes.
ANY_RANK = (0, 1, 2, 3)
#: The only ``start_dim`` supported: keep the batch, flatten the rest (``nn.Flatten``'s default).
FLATTEN_START_DIM = 1


class ReluSpec(SpecModel):
    """``torch.nn.ReLU``: ``max(x, 0)``, element by element."""

    type: Literal["relu"] = Field(description="Op type: ReLU, max(x, 0) (torch.nn.ReLU).")


class BatchNorm2dSpec(SpecModel):
    """``torch.nn.BatchNorm2d``, eval mode: per channel (x - mean) / sqrt(var + eps) * w + b."""

    type: Literal["batch_norm2d"] = Field(
        description="Op type: 2-D batch normalisation, eval mode (torch.nn.BatchNorm2d)."
    )
    eps: PositiveFloat = Field(default=1e-5, description="Added to the variance (> 0).")
    weight: ValueSource = Field(
        default="ones",
        description="Scale gamma, one per channel: ones (default) | random | list | .npy.",
    )
    bias: ValueSource = Field(
        default="zeros",
        description="Shift beta, one per channel: zeros (default) | random | list | .npy.",
    )
    running_mean: ValueSource = Field(
        default="zeros",
        description="Running mean, one per channel: zeros (default) | random | list | .npy.",
    )
    running_var: ValueSource = Field(
        default="ones",
        description="Running variance (>= 0), one per channel: ones (default) | random | list "
        "| .npy.",
    )


class FlattenSpec(SpecModel):
    """``torch.nn.Flatten``: ``(N, C, H, W)`` -> ``(N, C*H*W)`` in C,H,W order."""

    type: Literal["flatten"] = Field(
        description="Op type: flatten to (N, features), C,H,W order (torch.nn.Flatten)."
    )
    start_dim: int = Field(
        default=FLATTEN_START_DIM,
        description="First axis flattened; only 1 (keep the batch, flatten the rest).",
    )


class LinearSpec(SpecModel):
    """``torch.nn.Linear``: ``y = x W^T + b`` on an ``(N, in_features)`` input."""

    type: Literal["linear"] = Field(
        description="Op type: fully connected layer y = x W^T + b (torch.nn.Linear)."
    )
    out_features: PositiveInt = Field(description="Number of outputs.")
    in_features: OptionalPositiveInt = Field(
        default=None,
        description="Number of inputs; inferred from the input (checked when given).",
    )
    bias: BiasSource = Field(
        default=True, description=BIAS_DESC.replace("output channel", "output feature")
    )
    weight: ValueSource = Field(
        default="random",
        description=WEIGHT_DESC.format(layout="(out_features, in_features)"),
    )


def _features(input_shape: Sequence[int]) -> int:
    """Elements of one sample."""
    return math.prod(int(v) for v in input_shape[1:])


class ElementwiseDef(OpDef):
    """An op on every element alone: same shape, any rank, receptive field unchanged."""

    def accepts_rank(self, rank: int) -> bool:
        """Any spatial rank (vectors, sequences, pictures, volumes)."""
        return rank in ANY_RANK

    def shape_table(self, op: Any, input_shape: Sequence[int]) -> ShapeTable:
        """The usual table; a vector ``(N, features)`` gets the features columns."""
        if len(input_shape) == 2:
            return _vector_table(input_shape, input_shape, ("-", "-"))
        return super().shape_table(op, input_shape)


class ReluDef(ElementwiseDef):
    """``max(x, 0)``: no weights, 0 MACs."""

    def why_same_shape(self, op: Any, input_shape: tuple[int, ...]) -> str:
        """``negative values become 0``."""
        return "negative values become 0"

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""``y = \max(x, 0)``."""
        return (RELU_TEX,)


class BatchNormDef(OpDef):
    """Per-channel scale and shift with the running statistics (eval mode)."""

    def why_same_shape(self, op: Any, input_shape: tuple[int, ...]) -> str:
        """``each channel scaled and shifted``."""
        return "each channel normalised, scaled and shifted"

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""``y = (x - μ) / √(σ² + ε) · γ + β`` as a fraction, with ``ε`` (``10^{-5}``)."""
        return (f"{BATCH_NORM_TEX},\\quad \\varepsilon = {_tex_float(float(op.eps))}",)

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """``weight``, ``bias``, ``running_mean``, ``running_var``: one value per channel."""
        c = int(input_shape[1])
        return (
            TensorRequest("weight", op.weight, (c,), "(channels,)", "scale"),
            TensorRequest("bias", op.bias, (c,), "(channels,)", "shift"),
            TensorRequest("running_mean", op.running_mean, (c,), "(channels,)", "shift"),
            TensorRequest(
                "running_var", op.running_var, (c,), "(channels,)", "scale", non_negative=True
            ),
        )

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """``2C`` params; one MAC per element (eval mode folds into ``x * s + t``)."""
        shape = tuple(int(v) for v in input_shape)
        return batch_norm_cost(math.prod(shape), shape[1])


class FlattenDef(OpDef):
    """``(N, C, *spatial)`` -> ``(N, C * prod(spatial))``: a reshape, 0 MACs."""

    def accepts_rank(self, rank: int) -> bool:
        """Any spatial rank (a vector stays a vector)."""
        return rank in ANY_RANK

    def output_shape(self, op: Any, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``(N, C*H*W)``."""
        return (int(input_shape[0]), _features(input_shape))

    def formulas(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        """``features = C*H*W = 16*5*5 = 400``."""
        shape = tuple(int(v) for v in input_shape)
        names = ("C", *axis.AXIS_NAMES[len(shape) - 2])
        return (
            f"features = {'*'.join(names)} = {'*'.join(str(v) for v in shape[1:])} "
            f"= {_features(shape)}",
        )

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""``\text{features} = C \cdot H \cdot W = 16 \cdot 5 \cdot 5 = 400`` (the word
        is translated with the labels' language)."""
        return (flatten_tex(input_shape),)

    def shape_table(self, op: Any, input_shape: Sequence[int]) -> ShapeTable:
        """Input / Output only: batch, the sizes in, the features out."""
        return _vector_table(input_shape, self.output_shape(op, input_shape), ("-", "-"))

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """Only ``start_dim: 1`` (the batch stays)."""
        if op.start_dim != FLATTEN_START_DIM:
            raise fail(
                "start_dim",
                f"only start_dim {FLATTEN_START_DIM} is supported (keep the batch, flatten the "
                f"rest, like nn.Flatten()), got {op.start_dim}",
            )

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """Unchanged: every feature is one element of the input."""
        return rf


class LinearDef(OpDef):
    """``y = x W^T + b`` on ``(N, in_features)``; ``N * in * out`` MACs."""

    optional_bias = True

    def rank_advice(self) -> str:
        """Put a flatten before a linear layer on a picture."""
        return "; put '- type: flatten' before it"

    def output_shape(self, op: Any, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``(N, out_features)``."""
        return (int(input_shape[0]), int(op.out_features))

    def formulas(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        """``y = W·x + b: (10×400) · 400 = 10 features``."""
        n_in, n_out = _features(input_shape), int(op.out_features)
        bias = " + b" if op.bias is not False else ""
        return (f"y = W·x{bias}: ({n_out}×{n_in}) · {n_in} = {n_out} features",)

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""``y = W x + b,\quad W \in \mathbb{R}^{10 \times 400}``."""
        n_in, n_out = _features(input_shape), int(op.out_features)
        bias = " + b" if op.bias is not False else ""
        return (f"y = W x{bias},\\quad W \\in \\mathbb{{R}}^{{{n_out} \\times {n_in}}}",)

    def shape_table(self, op: Any, input_shape: Sequence[int]) -> ShapeTable:
        """Input / Kernel (the weight matrix) / Output."""
        n_in = _features(input_shape)
        return _vector_table(
            input_shape, self.output_shape(op, input_shape), (n_in, int(op.out_features))
        )

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """The weight ``(out_features, in_features)`` and, unless ``bias: false``, the bias."""
        n_in, n_out = _features(input_shape), int(op.out_features)
        weight = TensorRequest(
            "weight", op.weight, (n_out, n_in), "(out_features, in_features)", "weight", n_in
        )
        if op.bias is False:
            return (weight,)
        source = "random" if op.bias is True else op.bias
        return (weight, TensorRequest("bias", source, (n_out,), "(out_features,)", "bias", n_in))

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """``N * in * out`` MACs; ``in * out (+ out)`` params."""
        shape = tuple(int(v) for v in input_shape)
        return linear_cost(shape[0], _features(shape), int(op.out_features), op.bias is not False)

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """A given ``in_features`` must be the input's."""
        n_in = _features(input_shape)
        if op.in_features is not None and op.in_features != n_in:
            raise fail(
                "in_features",
                f"in_features={op.in_features}, but the input has {n_in} features "
                f"{_shape(input_shape)}; write in_features: {n_in} or leave it out",
            )

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """The whole input of the chain: every output reads every feature."""
        return after_global(rf, input_spatial)


RELU_TEX = "y = \\max(x, 0)"
"""ReLU in LaTeX (the formula panel; the step caption starts with it too)."""
BATCH_NORM_TEX = "y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}} \\cdot \\gamma + \\beta"
"""Batch norm (eval mode) in LaTeX, per channel."""


def _tex_float(value: float) -> str:
    """A small positive constant in LaTeX: ``10^{-5}``, ``2 \\cdot 10^{-3}``, ``0.1``."""
    if value >= 0.01:
        return f"{value:g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    digits = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return power if digits == "1" else f"{digits} \\cdot {power}"


def flatten_tex(input_shape: Sequence[int]) -> str:
    r"""``\text{features} = C \cdot H \cdot W = 16 \cdot 5 \cdot 5 = 400`` for an input of
    shape ``(N, 16, 5, 5)`` (a vector's: ``\text{features} = 400``)."""
    shape = tuple(int(v) for v in input_shape)
    total = _features(shape)
    if len(shape) <= 2:
        return f"\\text{{features}} = {total}"
    names = ("C", *axis.AXIS_NAMES[len(shape) - 2])
    dot = " \\cdot "
    return f"\\text{{features}} = {dot.join(names)} = {dot.join(map(str, shape[1:]))} = {total}"


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def _vector_table(
    input_shape: Sequence[int], output_shape: Sequence[int], kernel: tuple[Cell, ...]
) -> ShapeTable:
    """Columns batch, features (in), features (out): the table of an op ending in a vector.

    ``kernel`` is the Kernel row's ``(in, out)`` cells (a linear layer's weight matrix), or
    ``("-", "-")`` for an op without one.
    """
    shape = tuple(int(v) for v in input_shape)
    columns = ("batch", "in_features", "out_features")
    rows = (
        ShapeRow("Input", (shape[0], _features(shape), "-")),
        ShapeRow("Kernel", ("-", *kernel)),
        ShapeRow("Output", (int(output_shape[0]), "-", int(output_shape[1]))),
    )
    return ShapeTable(columns, rows)


RELU = ReluDef("relu", ReluSpec)
BATCH_NORM2D = BatchNormDef("batch_norm2d", BatchNorm2dSpec, spatial_rank=2)
FLATTEN = FlattenDef("flatten", FlattenSpec)
LINEAR = LinearDef("linear", LinearSpec, spatial_rank=0)
