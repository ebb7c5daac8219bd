"""The actor of ``animation.view: matrix`` (built by :mod:`convanim.storyboard.ops.matrix`).

Kept apart from the visual so that the renderer, which draws it, imports no engine module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.timeline import actor_kind

__all__ = ["MatrixActor", "matrix_text"]


@actor_kind
@dataclass(frozen=True)
class MatrixActor:
    """The matrix picture of op ``op``, drawn between blocks ``input`` and ``output``.

    Attributes
    ----------
    picture : str
        ``"dense"``, ``"transposed"`` or ``"im2col"``.
    names : tuple of str
        Names of the matrix, the vector (or patch matrix) it multiplies and the result
        (``("C", "x", "y")``, ``("Cᵀ", "y", "x'")``, ``("F", "P", "Y")``).
    left : ArrayData
        The matrix: ``C`` (Ho·Wo × H·W), ``Cᵀ`` (Ho·Wo × H·W of this op) or ``F`` (O × C·kh·kw).
    right : ArrayData
        What it multiplies: the column ``x`` / ``y`` (n × 1), or the patch matrix ``P``.
    result : ArrayData
        ``left · right`` plus the bias (n × 1, or O × positions).
    bias : tuple of float
        One per output channel (zeros without a bias); ``has_bias`` says whether there is one.
    windows : ArrayData
        int64 (steps, taps): flat grid indices (``row * W + col``) each step lights up, -1 where
        outside: window ``i`` on the input (dense: row ``i``; im2col: column ``i`` of ``P``), or
        the stamp of input cell ``j`` on the output (transposed: column ``j``).
    row_hues, column_hues : tuple of str
        Hue of every row / column of ``left`` (group hues, else the kernel hue).
    """

    id: str
    op: int
    input: str
    output: str
    picture: str
    names: tuple[str, str, str]
    left: ArrayData
    right: ArrayData
    result: ArrayData
    bias: tuple[float, ...]
    has_bias: bool
    windows: ArrayData
    row_hues: tuple[str, ...]
    column_hues: tuple[str, ...]
    gap_slot: int
    gap: float
    kind: str = field(default="matrix", init=False)
    takes_panel: ClassVar[bool] = True
    """The picture extends down over the panel band (the caption moves below it)."""


def matrix_text(value: float) -> str:
    """A matrix entry as drawn: integers plainly (``3``), else at most two decimals (``-0.53``)."""
    rounded = round(float(value), 2)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0")
