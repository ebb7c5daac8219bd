"""``conv1d``: a sequence is one row of cubes per channel; the kernel slides along L.

The storyboard sees a 1-D chain through :func:`rows_view`: every ``(N, C, L)`` tensor as
``(N, C, 1, L)``, and the engine traces a conv1d's windows over that one-row input, so the 2-D
windowed visual plays it unchanged but for its words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.storyboard.common import block_shape, chw, dims
from convanim.storyboard.equations import Equation, window_sum
from convanim.storyboard.ops.windowed import WindowedVisual
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan
    from convanim.spec.models import Conv1dSpec


def _row(array: np.ndarray) -> np.ndarray:
    """``(N, C, L)`` -> ``(N, C, 1, L)`` (a view); other ranks unchanged."""
    return array[:, :, None, :] if array.ndim == 3 else array


def rows_view(plan: Plan) -> Plan:
    """The plan of a 1-D chain with every tensor seen as one row: ``(N, C, 1, L)``."""
    if plan.input.ndim != 3:
        return plan
    ops = tuple(replace(op, input=_row(op.input), output=_row(op.output)) for op in plan.ops)
    return replace(plan, input=_row(plan.input), ops=ops)


def shape_label(array: np.ndarray, spatial_rank: int) -> str:
    """A block's label: ``8×7×7``; a sequence keeps its true ``C×L`` (not the drawn ``C×1×L``)."""
    shape = block_shape(array)
    if spatial_rank == 1 and len(shape) == 3:
        shape = (shape[0], shape[2])
    return dims(shape)


class Conv1dVisual(WindowedVisual):
    """A kernel of ``k`` cubes (all the channels of its group) sliding along the row."""

    def caption(self, op: OpResult, words: Words) -> str:
        """``conv1d k=3``, ``depthwise conv1d k=3``, ``group conv1d (g=2) k=3``..."""
        conv = cast("Conv1dSpec", op.spec)
        (k,), groups, cin = conv.kernel_size, conv.groups, chw(op.input)[0]
        if groups == cin and groups > 1:
            name = words.depthwise_conv1d
        elif groups > 1:
            name = words.group_conv1d.format(g=groups)
        else:
            name = words.conv1d
        text = f"{name} k={k}"
        if conv.dilation != (1,):
            text += words.dilation.format(d=conv.dilation[0])
        return text

    def cell_title(self, op: OpResult, co: int, cell: tuple[int, ...]) -> str:
        """``out[c,i]``: a sequence has no row index."""
        return f"out[{co},{cell[-1]}]"

    def equation(self, op: OpResult, co: int, oh: int, ow: int, words: Words) -> Equation:
        """``out[c,i] = Σ window × kernel + b = 0.25`` (no row index: a sequence has none)."""
        value = float(op.output[0, co, oh, ow])
        return window_sum((co, ow), value, bias=op.bias is not None, words=words)
