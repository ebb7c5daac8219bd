"""2-D max and average pooling in NumPy with PyTorch's exact semantics.

Both work on a strided window view of the (implicitly) padded input, so the only copies are the
padded input and, for max pooling, one ``(N, C, Ho, Wo, kh*kw)`` buffer for the argmax.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convanim.engine.conv import FloatArray, pad_spatial, window_view
from convanim.spec.ops.axis import pool_out_size

__all__ = ["avg_pool2d", "max_pool2d"]


def _sizes(
    h: int,
    w: int,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    ceil_mode: bool,
) -> tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]:
    """Output size and the (before, after) padding needed so every window lies in the array."""
    out = (
        pool_out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode),
        pool_out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode),
    )
    if min(out) < 1:
        raise ValueError(f"pooling window {kernel} does not fit the padded input {(h, w)}")
    pads = []
    for n, o, k, s, p, d in zip((h, w), out, kernel, stride, padding, dilation, strict=True):
        needed = (o - 1) * s + d * (k - 1) + 1
        pads.append((p, max(needed - n - p, 0)))
    return out, (pads[0], pads[1])


def _first_nonnegative(start: NDArray[np.int64], step: int) -> NDArray[np.int64]:
    """Smallest ``start + m*step >= 0`` with ``m >= 0``, element-wise."""
    return np.where(start < 0, start + (-start + step - 1) // step * step, start)


def max_pool2d(
    x: ArrayLike,
    kernel: tuple[int, int],
    stride: tuple[int, int] | None = None,
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
    ceil_mode: bool = False,
) -> tuple[FloatArray, NDArray[np.int64]]:
    """2-D max pooling, as ``torch.nn.functional.max_pool2d(..., return_indices=True)``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, H, W)``.
    kernel
        Window ``(kh, kw)``.
    stride
        ``(sh, sw)``; ``None`` means ``kernel`` (PyTorch's default).
    padding
        ``(ph, pw)`` on each side, implicitly filled with ``-inf``.
    dilation
        ``(dh, dw)``.
    ceil_mode
        PyTorch's ``ceil_mode``.

    Returns
    -------
    out : FloatArray
        Shape ``(N, C, Ho, Wo)``.
    indices : NDArray[np.int64]
        Same shape; the flat index ``h*W + w`` of the winning element within its channel. Ties go
        to the first element in row-major window order; a NaN wins over numbers (the last NaN
        of the window), as in PyTorch's CPU kernel; a window without any element above ``-inf``
        gets PyTorch's initial index (its first position past the padding).
    """
    xa = np.asarray(x, dtype=np.float64)
    n, c, h, w = xa.shape
    stride = kernel if stride is None else stride
    (ho, wo), pads = _sizes(h, w, kernel, stride, padding, dilation, ceil_mode)
    xp = pad_spatial(xa, pads, value=-np.inf)
    win = window_view(xp, kernel, stride, dilation, (ho, wo))  # (N, C, kh, kw, Ho, Wo)
    taps = kernel[0] * kernel[1]
    flat = np.moveaxis(win.reshape(n, c, taps, ho, wo), 2, -1)  # (N, C, Ho, Wo, taps) view
    best = np.argmax(flat, axis=-1)
    out = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]

    # Input row/column read by each (output position, tap); outside [0, H) is padding.
    rows = (np.arange(ho) * stride[0] - padding[0])[:, None] + np.arange(kernel[0]) * dilation[0]
    cols = (np.arange(wo) * stride[1] - padding[1])[:, None] + np.arange(kernel[1]) * dilation[1]
    if np.isnan(out).any():
        # PyTorch keeps the last NaN of the window (``val > max || isnan(val)``).
        last_nan = taps - 1 - np.argmax(np.isnan(flat)[..., ::-1], axis=-1)
        best = np.where(np.isnan(out), last_nan, best)
    ky, kx = np.divmod(best, kernel[1])
    out_rows = rows[np.arange(ho)[:, None], ky]  # broadcasts to (N, C, Ho, Wo)
    out_cols = cols[np.arange(wo)[None, :], kx]
    indices = (out_rows * w + out_cols).astype(np.int64)
    neg_inf = np.isneginf(out)
    if neg_inf.any():
        # No element beat PyTorch's initial -inf: it keeps its initial index, the window start
        # moved past the top/left padding in steps of the dilation (even if that leaves the image).
        first_row = _first_nonnegative(rows[:, 0], dilation[0])
        first_col = _first_nonnegative(cols[:, 0], dilation[1])
        initial = first_row[:, None] * w + first_col[None, :]
        indices = np.where(neg_inf, initial, indices)
    return np.ascontiguousarray(out), indices


def avg_pool2d(
    x: ArrayLike,
    kernel: tuple[int, int],
    stride: tuple[int, int] | None = None,
    padding: tuple[int, int] = (0, 0),
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> FloatArray:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, H, W)``.
    kernel
        Window ``(kh, kw)``.
    stride
        ``(sh, sw)``; ``None`` means ``kernel``.
    padding
        ``(ph, pw)`` zeros on each side.
    ceil_mode
        PyTorch's ``ceil_mode``; the part of a last window beyond the padded input is never
        counted in the divisor.
    count_include_pad
        Count padding zeros in the divisor (PyTorch's default ``True``).
    divisor_override
        If given, divide every window sum by this number instead.

    Returns
    -------
    FloatArray
        Shape ``(N, C, Ho, Wo)``.
    """
    xa = np.asarray(x, dtype=np.float64)
    _, _, h, w = xa.shape
    stride = kernel if stride is None else stride
    (ho, wo), pads = _sizes(h, w, kernel, stride, padding, (1, 1), ceil_mode)
    xp = pad_spatial(xa, pads, value=0.0)
    win = window_view(xp, kernel, stride, (1, 1), (ho, wo))
    sums = win.sum(axis=(2, 3))

    def counts(out: int, n: int, k: int, s: int, p: int) -> tuple[NDArray[np.int64], ...]:
        start = np.arange(out) * s - p
        end = np.minimum(start + k, n + p)
        return end - start, np.minimum(end, n) - np.maximum(start, 0)

    pool_h, inside_h = counts(ho, h, kernel[0], stride[0], padding[0])
    pool_w, inside_w = counts(wo, w, kernel[1], stride[1], padding[1])
    if divisor_override is not None:
        divisor: NDArray[np.float64] | float = float(divisor_override)
    elif count_include_pad:
        divisor = np.outer(pool_h, pool_w).astype(np.float64)
    else:
        divisor = np.outer(np.maximum(inside_h, 1), np.maximum(inside_w, 1)).astype(np.float64)
    out = sums / divisor
    empty = np.outer(inside_h <= 0, np.ones(wo, dtype=bool)) | np.outer(
        np.ones(ho, dtype=bool), inside_w <= 0
    )
    if empty.any():
        out = np.where(empty, 0.0, out)
    return np.ascontiguousarray(out)
