"""Squeeze-and-excitation in NumPy (torchvision's ``SqueezeExcitation`` with its defaults)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from convanim.engine.conv import FloatArray

__all__ = ["sigmoid", "squeeze_excitation"]


def sigmoid(z: FloatArray) -> FloatArray:
    """Numerically stable logistic function ``1 / (1 + exp(-z))`` (no overflow warnings)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def squeeze_excitation(
    x: ArrayLike,
    fc1_w: ArrayLike,
    fc1_b: ArrayLike,
    fc2_w: ArrayLike,
    fc2_b: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Squeeze-and-excitation block.

    squeeze = global average pool over the spatial axes; excitation = FC, ReLU, FC, sigmoid;
    the input channels are then scaled by the result. torchvision's ``SqueezeExcitation``
    (1x1 convolutions on the pooled ``(N, C, 1, 1)`` tensor) computes exactly this.

    Parameters
    ----------
    x
        Input, shape ``(N, C, *spatial)``.
    fc1_w, fc1_b
        First layer, shapes ``(hidden, C)`` and ``(hidden,)``.
    fc2_w, fc2_b
        Second layer, shapes ``(C, hidden)`` and ``(C,)``.

    Returns
    -------
    out : FloatArray
        ``x * scale`` broadcast over the spatial axes, same shape as ``x``.
    squeezed : FloatArray
        ``(N, C)`` channel means.
    hidden : FloatArray
        ``(N, hidden)`` after the first layer and ReLU.
    scale : FloatArray
        ``(N, C)`` sigmoid outputs, the per-channel weights.
    """
    xa = np.asarray(x, dtype=np.float64)
    w1 = np.asarray(fc1_w, dtype=np.float64)
    b1 = np.asarray(fc1_b, dtype=np.float64)
    w2 = np.asarray(fc2_w, dtype=np.float64)
    b2 = np.asarray(fc2_b, dtype=np.float64)
    spatial_axes = tuple(range(2, xa.ndim))
    squeezed = xa.mean(axis=spatial_axes)
    hidden = np.maximum(squeezed @ w1.T + b1, 0.0)
    scale = sigmoid(hidden @ w2.T + b2)
    out = xa * scale.reshape(scale.shape + (1,) * len(spatial_axes))
    return out, squeezed, hidden, scale
