"""The op registry: one :class:`OpDef` per op type, and the union of their models.

Adding an op means writing its module here (the pydantic model and its ``OpDef``), listing both
below, and giving it an engine runner, a storyboard visual and drawers for the actors it
creates; ``tests/test_registry.py`` fails until every part exists.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from convanim.spec.ops.base import OpDef, TensorRequest, WindowedOpDef
from convanim.spec.ops.conv import CONV1D, CONV2D, CONV3D, Conv1dSpec, Conv2dSpec, Conv3dSpec
from convanim.spec.ops.deform import DEFORM_CONV2D, DeformConv2dSpec
from convanim.spec.ops.layers import (
    BATCH_NORM2D,
    FLATTEN,
    LINEAR,
    RELU,
    BatchNorm2dSpec,
    FlattenSpec,
    LinearSpec,
    ReluSpec,
)
from convanim.spec.ops.pool import AVG_POOL2D, MAX_POOL2D, AvgPool2dSpec, MaxPool2dSpec
from convanim.spec.ops.shuffle import CHANNEL_SHUFFLE, ChannelShuffleSpec
from convanim.spec.ops.squeeze import SQUEEZE_EXCITATION, SqueezeExcitationSpec
from convanim.spec.ops.transpose import CONV_TRANSPOSE2D, ConvTranspose2dSpec

__all__ = [
    "OP_DEFS",
    "OP_TYPES",
    "OpDef",
    "OpSpec",
    "TensorRequest",
    "WindowedOpDef",
    "op_def",
    "window_def",
]

OpSpec = Annotated[
    Union[  # noqa: UP007  (a Union reads better than a 13-line `|` chain here)
        Conv1dSpec,
        Conv2dSpec,
        ConvTranspose2dSpec,
        Conv3dSpec,
        MaxPool2dSpec,
        AvgPool2dSpec,
        ChannelShuffleSpec,
        DeformConv2dSpec,
        SqueezeExcitationSpec,
        ReluSpec,
        BatchNorm2dSpec,
        FlattenSpec,
        LinearSpec,
    ],
    Field(discriminator="type"),
]
"""Any op model, told apart by its ``type``."""

#: Op type -> its definition, in the order the docs list the ops.
OP_DEFS: dict[str, OpDef] = {
    d.type: d
    for d in (
        CONV1D,
        CONV2D,
        CONV_TRANSPOSE2D,
        CONV3D,
        MAX_POOL2D,
        AVG_POOL2D,
        CHANNEL_SHUFFLE,
        DEFORM_CONV2D,
        SQUEEZE_EXCITATION,
        RELU,
        BATCH_NORM2D,
        FLATTEN,
        LINEAR,
    )
}
OP_TYPES: tuple[str, ...] = tuple(OP_DEFS)


def op_def(op: Any) -> OpDef:
    """The definition of an op model (or of an op type name)."""
    return OP_DEFS[op if isinstance(op, str) else op.type]


def window_def(op: Any) -> WindowedOpDef:
    """The definition of an op with a window (``TypeError`` for one without)."""
    definition = op_def(op)
    if not isinstance(definition, WindowedOpDef):
        raise TypeError(f"{definition.type} has no window")
    return definition
