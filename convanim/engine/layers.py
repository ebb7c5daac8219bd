"""ReLU, eval-mode batch norm, flatten and linear in NumPy (PyTorch's semantics)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from convanim.engine.conv import FloatArray

__all__ = [
    "batch_norm2d",
    "batch_norm_factors",
    "batch_norm_normalize",
    "batch_norm_std",
    "flatten",
    "linear",
    "relu",
]


def relu(x: ArrayLike) -> FloatArray:
    """``max(x, 0)`` element by element (NaN stays NaN, as in ``torch.relu``)."""
    a = np.asarray(x, dtype=np.float64)
    return np.where(a < 0, 0.0, a)


def batch_norm_std(running_var: ArrayLike, eps: float) -> FloatArray:
    """Per-channel ``sqrt(running_var + eps)``: what batch norm divides each channel by."""
    return np.sqrt(np.asarray(running_var, dtype=np.float64) + eps)


def batch_norm_factors(
    weight: ArrayLike, bias: ArrayLike, running_mean: ArrayLike, running_var: ArrayLike, eps: float
) -> tuple[FloatArray, FloatArray]:
    """Per-channel ``(scale, shift)`` with ``y = x * scale + shift`` (eval mode).

    ``scale = weight / sqrt(running_var + eps)``, ``shift = bias - running_mean * scale``.
    """
    scale = np.asarray(weight, dtype=np.float64) / batch_norm_std(running_var, eps)
    shift = np.asarray(bias, dtype=np.float64) - np.asarray(running_mean, dtype=np.float64) * scale
    return scale, shift


def batch_norm_normalize(
    x: ArrayLike, running_mean: ArrayLike, running_var: ArrayLike, eps: float = 1e-5
) -> FloatArray:
    """Batch norm's first step: ``(x - running_mean) / sqrt(running_var + eps)`` per channel.

    ``x`` is ``(N, C, *spatial)``; the statistics have one value per channel. What
    :func:`batch_norm2d` then scales by ``weight`` and shifts by ``bias`` (the animation shows
    both steps).
    """
    a = np.asarray(x, dtype=np.float64)
    spread = (1, -1) + (1,) * (a.ndim - 2)
    mean = np.asarray(running_mean, dtype=np.float64).reshape(spread)
    std = batch_norm_std(running_var, eps).reshape(spread)
    return np.asarray((a - mean) / std, dtype=np.float64)


def batch_norm2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike,
    running_mean: ArrayLike,
    running_var: ArrayLike,
    eps: float = 1e-5,
) -> FloatArray:
    """``F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)``:
    :func:`batch_norm_normalize`, then ``* weight + bias`` per channel.

    Parameters
    ----------
    x
        Input ``(N, C, *spatial)``.
    weight, bias, running_mean, running_var
        One value per channel, shape ``(C,)``.
    """
    normalized = batch_norm_normalize(x, running_mean, running_var, eps)
    spread = (1, -1) + (1,) * (normalized.ndim - 2)
    w = np.asarray(weight, dtype=np.float64).reshape(spread)
    b = np.asarray(bias, dtype=np.float64).reshape(spread)
    return normalized * w + b


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
