"""How the storyboard draws what is not a (C, H, W) block: vectors and pictures.

A vector, an ``(N, features)`` tensor (the output of a flatten or a linear layer), is drawn as a
block of one channel: one row of cubes ``(N, 1, 1, F)`` or one column ``(N, 1, F, 1)``, as the
visual of the op that made it says (:meth:`OpVisual.vector_layout`: a flatten lines its cubes up
in a row, a linear layer's outputs stand in a column, an element-wise op keeps its input's).

A picture given as ``input.values`` is drawn in its own colours: the channels of an RGB picture in
shades of red, green and blue, a grayscale one in greys, so the viewer recognises it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from convanim.spec.fields import is_picture
from convanim.storyboard import palette
from convanim.storyboard.common import value_range
from convanim.storyboard.ops import VISUALS
from convanim.storyboard.timeline import Coloring

if TYPE_CHECKING:
    from convanim.engine import Plan

__all__ = ["as_block", "picture_coloring", "vectors_view"]


def as_block(array: np.ndarray, layout: str) -> np.ndarray:
    """``(N, F)`` -> ``(N, 1, 1, F)`` (``"row"``) or ``(N, 1, F, 1)`` (``"column"``), a view;
    other ranks unchanged."""
    if array.ndim != 2:
        return array
    return array[:, None, None, :] if layout == "row" else array[:, None, :, None]


def vectors_view(plan: Plan) -> Plan:
    """The plan with every vector seen as a row or a column of cubes (see the module doc)."""
    if plan.input.ndim != 2 and all(op.output.ndim != 2 for op in plan.ops):
        return plan
    layout = "row"
    ops = []
    for op in plan.ops:
        incoming = layout
        if op.output.ndim == 2:
            layout = VISUALS[op.type].vector_layout(op, incoming if op.input.ndim == 2 else "row")
        ops.append(
            replace(op, input=as_block(op.input, incoming), output=as_block(op.output, layout))
        )
    return replace(plan, input=as_block(plan.input, "row"), ops=tuple(ops))


def picture_coloring(plan: Plan) -> Coloring | None:
    """The input block's colours when ``input.values`` is a picture (None otherwise)."""
    if not is_picture(plan.spec.input.values):
        return None
    channels = int(plan.input.shape[1])
    rgb = channels == len(palette.PICTURE_HUES)
    hues = palette.PICTURE_HUES if rgb else (palette.PICTURE_GREY,) * channels
    low, high = value_range(plan.input)
    if plan.spec.input.mean_std is None:
        low, high = 0.0, 1.0
    return Coloring("values", hues, (low, high))
