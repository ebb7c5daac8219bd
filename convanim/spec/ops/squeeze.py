"""``squeeze_excitation``: global average pool, FC-ReLU-FC-sigmoid, channel scaling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import PositiveInt, ValueSource
from convanim.spec.model_base import SpecModel
from convanim.spec.ops.base import OpDef, TensorRequest
from convanim.spec.ops.cost import Cost, se_cost
from convanim.spec.ops.receptive import ReceptiveField, after_global

__all__ = ["SQUEEZE_EXCITATION", "SEDef", "SqueezeExcitationSpec"]


class SqueezeExcitationSpec(SpecModel):
    """Squeeze-and-excitation: global average pool, FC-ReLU-FC-sigmoid, then channel scaling."""

    type: Literal["squeeze_excitation"] = Field(
        description="Op type: squeeze-and-excitation block."
    )
    reduction: PositiveInt = Field(
        default=4, description="Reduction ratio r: hidden size = max(1, channels // r)."
    )
    fc1_weight: ValueSource = Field(
        default="random", description="First FC weight, shape (hidden, channels)."
    )
    fc1_bias: ValueSource = Field(default="random", description="First FC bias, shape (hidden,).")
    fc2_weight: ValueSource = Field(
        default="random", description="Second FC weight, shape (channels, hidden)."
    )
    fc2_bias: ValueSource = Field(
        default="random", description="Second FC bias, shape (channels,)."
    )


class SEDef(OpDef):
    """Scales each channel by a weight computed from all of the input: a global op."""

    @staticmethod
    def hidden(op: Any, channels: int) -> int:
        """Hidden size of the two FC layers: ``max(1, channels // reduction)``."""
        return max(1, channels // op.reduction)

    def why_same_shape(self, op: Any, input_shape: tuple[int, ...]) -> str:
        """``each channel scaled by its weight; hidden size 2``."""
        return f"each channel scaled by its weight; hidden size {self.hidden(op, input_shape[1])}"

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""The one size SE computes, its hidden size, symbolic then with the numbers, as the
        windowed ops' output sizes are typeset: ``\text{hidden} = \lfloor C / r \rfloor =
        \lfloor 8 / 4 \rfloor = 2`` (as fractions), or with ``\max(1, \ldots)`` when
        ``C < r``, where it matters. One line: the shape table shows the shape kept, and the
        caption line above keeps its room."""
        c, r = int(input_shape[1]), int(op.reduction)
        hidden = self.hidden(op, c)
        if c >= r:
            return (
                f"\\text{{hidden}} = \\left\\lfloor \\frac{{C}}{{r}} \\right\\rfloor"
                f" = \\left\\lfloor \\frac{{{c}}}{{{r}}} \\right\\rfloor = {hidden}",
            )
        return (
            "\\text{hidden} = \\max\\left(1, \\left\\lfloor \\frac{C}{r} \\right\\rfloor\\right)"
            f" = \\max(1, \\lfloor {c} / {r} \\rfloor) = {hidden}",
        )

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """The two FC layers' weights and biases (fan-in C, then hidden)."""
        c = int(input_shape[1])
        h = self.hidden(op, c)
        return (
            TensorRequest("fc1_weight", op.fc1_weight, (h, c), "(hidden, channels)", "weight", c),
            TensorRequest("fc1_bias", op.fc1_bias, (h,), "(hidden,)", "bias", c),
            TensorRequest("fc2_weight", op.fc2_weight, (c, h), "(channels, hidden)", "weight", h),
            TensorRequest("fc2_bias", op.fc2_bias, (c,), "(channels,)", "bias", h),
        )

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """The two FC layers: ``N * (C*hidden + hidden*C)`` MACs."""
        n, c = int(input_shape[0]), int(input_shape[1])
        return se_cost(n, c, self.hidden(op, c))

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """The whole input of the chain, from here on."""
        return after_global(rf, input_spatial)


SQUEEZE_EXCITATION = SEDef("squeeze_excitation", SqueezeExcitationSpec)
