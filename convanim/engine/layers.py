"""ReLU, eval-mode batch norm, flatten and linear in NumPy (PyTorch's semantics)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from convanim.engine.conv import FloatArray

__all__ = ["batch_norm2d", "batch_norm_factors", "flatten", "linear", "relu"]


def relu(x: ArrayLike) -> FloatArray:
    """``max(x, 0)`` element by element (NaN stays NaN, as in ``torch.relu``)."""
    a = np.asarray(x, dtype=np.float64)
    return np.where(a < 0, 0.0, a)


def batch_norm_factors(
    weight: ArrayLike, bias: ArrayLike, running_mean: ArrayLike, running_var: ArrayLike, eps: float
) -> tuple[FloatArray, FloatArray]:
    """Per-channel ``(scale, shift)`` with ``y = x * scale + shift`` (eval mode).

    ``scale = weight / sqrt(running_var + eps)``, ``shift = bias - running_mean * scale``.
    """
    w = np.asarray(weight, dtype=np.float64)
    scale = w / np.sqrt(np.asarray(running_var, dtype=np.float64) + eps)
    shift = np.asarray(bias, dtype=np.float64) - np.asarray(running_mean, dtype=np.float64) * scale
    return scale, shift


def batch_norm2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike,
    running_mean: ArrayLike,
    running_var: ArrayLike,
    eps: float = 1e-5,
) -> FloatArray:
    """``F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)``.

    Parameters
    ----------
    x
        Input ``(N, C, *spatial)``.
    weight, bias, running_mean, running_var
        One value per channel, shape ``(C,)``.
    """
    a = np.asarray(x, dtype=np.float64)
    mean = np.asarray(running_mean, dtype=np.float64)
    std = np.sqrt(np.asarray(running_var, dtype=np.float64) + eps)
    spread = (1, -1) + (1,) * (a.ndim - 2)
    w = np.asarray(weight, dtype=np.float64).reshape(spread)
    b = np.asarray(bias, dtype=np.float64).reshape(spread)
    return (a - mean.reshape(spread)) / std.reshape(spread) * w + b


def flatten(x: ArrayLike) -> FloatArray:
    """``torch.flatten(x, 1)``: ``(N, C, *spatial)`` -> ``(N, C * prod(spatial))``, C,H,W order."""
    a = np.asarray(x, dtype=np.float64)
    return np.ascontiguousarray(a).reshape(a.shape[0], -1)


def linear(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> FloatArray:
    """``F.linear``: ``x @ weight.T + bias`` with ``x`` ``(N, in)``, ``weight`` ``(out, in)``."""
    a = np.asarray(x, dtype=np.float64)
    out = a @ np.asarray(weight, dtype=np.float64).T
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return np.asarray(out, dtype=np.float64)
