"""``channel_shuffle``: PyTorch's ``nn.ChannelShuffle``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from convanim.spec.fields import PositiveInt
from convanim.spec.model_base import SpecModel
from convanim.spec.ops.base import Fail, OpDef, divisors

__all__ = ["CHANNEL_SHUFFLE", "ChannelShuffleSpec", "ShuffleDef"]


class ChannelShuffleSpec(SpecModel):
    """``torch.nn.ChannelShuffle``: reshape to (groups, C/groups), transpose, flatten."""

    type: Literal["channel_shuffle"] = Field(
        description="Op type: channel shuffle (torch.nn.ChannelShuffle)."
    )
    groups: PositiveInt = Field(description="Number of groups; must divide the channels.")


class ShuffleDef(OpDef):
    """Reorders channels: same shape, no weights, 0 MACs, receptive field unchanged."""

    def why_same_shape(self, op: Any, input_shape: tuple[int, ...]) -> str:
        """``channels reordered in 2 groups``."""
        return f"channels reordered in {op.groups} groups"

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """``groups`` divides the channels."""
        c = input_shape[1]
        if c % op.groups:
            raise fail(
                "groups",
                f"groups={op.groups} does not divide the {c} channels (allowed: {divisors(c)})",
            )


CHANNEL_SHUFFLE = ShuffleDef("channel_shuffle", ChannelShuffleSpec)
