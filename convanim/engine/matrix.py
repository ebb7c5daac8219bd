"""The matrix form of linear ops: ``out[n].ravel() = M · in[n].ravel() + bias`` (per sample).

``M`` has one row per output element and one column per input element of one sample, both in
C, H, W order; it is the Jacobian of the op. Each op type with a matrix form
(``OpDef.has_matrix_form``) registers the function that builds it from the op's trace and
weights with ``@matrix_form("type")``; everything is vectorised (scatter of the weights through
the trace's flat indices, no loop over positions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.engine.ops.registry import register_by_type
from convanim.engine.trace import TransposeTrace, WindowTrace

if TYPE_CHECKING:
    from convanim.engine.plan import OpResult

__all__ = ["MATRIX_FORMS", "bias_vector", "matrix_form", "matrix_of"]

MatrixFunction = Callable[["OpResult"], np.ndarray]

MATRIX_FORMS: dict[str, MatrixFunction] = {}
"""Op type -> the function building its matrix ``M``."""


def matrix_form(*types: str) -> Callable[[MatrixFunction], MatrixFunction]:
    """Register the decorated function as the matrix form of ``types``."""
    return register_by_type(MATRIX_FORMS, "matrix forms", *types)


def matrix_of(op: OpResult) -> np.ndarray:
    """``M`` of a computed op (``KeyError`` naming the op type when it has no matrix form)."""
    try:
        build = MATRIX_FORMS[op.type]
    except KeyError:
        raise KeyError(f"ops[{op.index}] ({op.type}) has no matrix form") from None
    return build(op)


def bias_vector(op: OpResult) -> np.ndarray:
    """The bias broadcast over one sample's output elements (C, H, W order); zeros without one."""
    shape = tuple(int(v) for v in op.output.shape[1:])
    if op.bias is None:
        return np.zeros(int(np.prod(shape)))
    return np.broadcast_to(op.bias.reshape(-1, *([1] * (len(shape) - 1))), shape).ravel()


def _scatter(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Dense matrix with ``vals`` added at ``(rows, cols)`` (entries with ``cols < 0`` or
    ``rows < 0`` dropped: padding and cut-off cells)."""
    rows, cols, vals = np.broadcast_arrays(rows, cols, vals)
    keep = (rows >= 0) & (cols >= 0)
    m = np.zeros(shape)
    np.add.at(m, (rows[keep], cols[keep]), vals[keep])
    return m


@matrix_form("conv2d")
def conv2d_matrix(op: OpResult) -> np.ndarray:
    """``M[(o, oh, ow), (c, ih, iw)]``: the weight of the tap of window (oh, ow) on (ih, iw).

    Axes of the broadcast: (O, C/g, Ho, Wo, kh, kw).
    """
    trace = cast("WindowTrace", op.trace)
    weight = np.asarray(op.weight)
    o_count, c_per, kh, kw = weight.shape
    h, w = trace.input_size
    ho, wo = trace.output_size
    o_per = o_count // trace.groups
    o = np.arange(o_count).reshape(-1, 1, 1, 1, 1, 1)
    c = (o // o_per) * c_per + np.arange(c_per).reshape(1, -1, 1, 1, 1, 1)
    flat = trace.flat_indices()[None, None]  # (1, 1, Ho, Wo, kh, kw)
    position = (np.arange(ho)[:, None] * wo + np.arange(wo)[None, :]).reshape(1, 1, ho, wo, 1, 1)
    rows = o * (ho * wo) + position
    cols = np.where(flat >= 0, c * (h * w) + flat, -1)
    vals = weight[:, :, None, None, :, :]
    return _scatter(rows, cols, vals, (o_count * ho * wo, c_per * trace.groups * h * w))


@matrix_form("conv_transpose2d")
def conv_transpose2d_matrix(op: OpResult) -> np.ndarray:
    """``M[(o, y, x), (c, i, j)]``: the weight input (i, j) stamps onto output (y, x).

    Axes of the broadcast: (C, O/g, Hin, Win, kh, kw).
    """
    trace = cast("TransposeTrace", op.trace)
    weight = np.asarray(op.weight)
    c_count, o_per, kh, kw = weight.shape
    h, w = trace.input_size
    ho, wo = trace.output_size
    c_per = c_count // trace.groups
    c = np.arange(c_count).reshape(-1, 1, 1, 1, 1, 1)
    o = (c // c_per) * o_per + np.arange(o_per).reshape(1, -1, 1, 1, 1, 1)
    flat = trace.scatter_flat_indices()[None, None]  # (1, 1, Hin, Win, kh, kw)
    position = (np.arange(h)[:, None] * w + np.arange(w)[None, :]).reshape(1, 1, h, w, 1, 1)
    rows = np.where(flat >= 0, o * (ho * wo) + flat, -1)
    cols = c * (h * w) + position
    vals = weight[:, :, None, None, :, :]
    return _scatter(rows, cols, vals, (o_per * trace.groups * ho * wo, c_count * h * w))
