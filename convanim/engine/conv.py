"""Convolutions with PyTorch's exact semantics: ``conv2d``, ``conv3d``, ``conv_transpose2d``.

Every function takes and returns float64 arrays, batch first, and is vectorised: the only Python
loops run over kernel taps, never over output positions.

How the forward convolution is computed
---------------------------------------
The zero-padded input is built once. A strided *window view* of it (no copy) has shape
``(N, C, *kernel, *out)``. From there two paths:

* ``in_channels / groups > 1`` (standard, grouped, pointwise): the view is copied once into a
  contiguous im2col matrix of shape ``(G, Cg*prod(kernel), N*prod(out))`` and contracted with the
  weight ``(G, Og, Cg*prod(kernel))`` by one batched ``matmul`` (BLAS).
* ``in_channels / groups == 1`` (depthwise, with or without a channel multiplier): a matmul over a
  contraction of length ``prod(kernel)`` is wasteful, so the output is accumulated tap by tap with
  broadcast multiply-adds, which needs no im2col buffer at all. With stride 1 each tap reads a
  contiguous run of the flattened padded input (outputs laid out on the padded grid, the extra
  columns cropped at the end); otherwise it reads a strided window view.

Float64 throughout: float32 would roughly halve the matmul time but cannot keep results within
1e-5 of float64 PyTorch for inputs of large magnitude (``values: arange`` on a big tensor), and the
float64 path is already within the 3x budget of PyTorch's float32 CPU kernels (see
``benchmarks/engine.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import ArrayLike, NDArray

from convanim.spec.ops.axis import conv_out_size, conv_transpose_out_size

__all__ = [
    "FloatArray",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose2d",
    "grouped_matmul",
    "pad_spatial",
    "window_view",
]

FloatArray = NDArray[np.float64]
"""A float64 array; shapes are given in each docstring (batch first)."""


def pad_spatial(x: FloatArray, pads: Sequence[tuple[int, int]], value: float = 0.0) -> FloatArray:
    """Pad the spatial axes (all axes after the first two) of ``x``.

    Parameters
    ----------
    x
        Array of shape ``(N, C, *spatial)``.
    pads
        One ``(before, after)`` pair per spatial axis, each entry >= 0.
    value
        Fill value of the padding.

    Returns
    -------
    FloatArray
        A new contiguous array (``x`` itself when no padding is needed).
    """
    if not any(before or after for before, after in pads):
        return x
    shape = x.shape[:2] + tuple(
        n + before + after for n, (before, after) in zip(x.shape[2:], pads, strict=True)
    )
    out = np.full(shape, value, dtype=np.float64)
    inner = (slice(None), slice(None)) + tuple(
        slice(before, before + n) for n, (before, _) in zip(x.shape[2:], pads, strict=True)
    )
    out[inner] = x
    return out


def window_view(
    xp: FloatArray,
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int],
) -> FloatArray:
    """Return a read-only strided view of all windows of an already padded input.

    Parameters
    ----------
    xp
        Padded input, shape ``(N, C, *spatial)``.
    kernel, stride, dilation, out_size
        One entry per spatial axis.

    Returns
    -------
    FloatArray
        View of shape ``(N, C, *kernel, *out_size)`` with
        ``view[n, c, *k, *o] == xp[n, c, *(o*stride + k*dilation)]``.
    """
    nd = len(kernel)
    spatial_strides = xp.strides[2:]
    shape = xp.shape[:2] + tuple(kernel) + tuple(out_size)
    strides = (
        xp.strides[:2]
        + tuple(spatial_strides[i] * dilation[i] for i in range(nd))
        + tuple(spatial_strides[i] * stride[i] for i in range(nd))
    )
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def grouped_matmul(
    columns: FloatArray, weight: FloatArray, batch: int, out_size: Sequence[int]
) -> FloatArray:
    """Contract im2col columns with a grouped convolution weight.

    Parameters
    ----------
    columns
        Shape ``(G, Cg*prod(kernel), N*prod(out_size))``; rows ordered (channel, *kernel taps),
        columns ordered (batch, *output positions).
    weight
        PyTorch layout ``(O, Cg, *kernel)``.
    batch
        ``N``.
    out_size
        Output spatial size.

    Returns
    -------
    FloatArray
        Shape ``(N, O, *out_size)``, without bias.
    """
    groups = columns.shape[0]
    out_channels = weight.shape[0]
    w = weight.reshape(groups, out_channels // groups, -1)
    res = np.matmul(w, columns)  # (G, Og, N*P)
    if batch == 1:
        return res.reshape((1, out_channels, *out_size))
    res = res.reshape(out_channels, batch, -1).transpose(1, 0, 2)
    return np.ascontiguousarray(res).reshape((batch, out_channels, *out_size))


def _depthwise_strided(win: FloatArray, w: FloatArray, kernel: Sequence[int]) -> FloatArray:
    """Depthwise path for any stride: one broadcast multiply-add per tap on the window view.

    ``win`` is ``(N, G, *kernel, *out)``, ``w`` is ``(G, Og, taps)``; returns ``(N, G, Og, *out)``.
    """
    n, groups = win.shape[:2]
    nd = len(kernel)
    out_size = win.shape[2 + nd :]
    og = w.shape[1]
    out = np.empty((n, groups, og, *out_size), dtype=np.float64)
    tmp = np.empty_like(out)
    for t, tap in enumerate(np.ndindex(*kernel)):
        xs = win[(slice(None), slice(None), *tap)][:, :, None]  # (N, G, 1, *out)
        wt = w[:, :, t].reshape((1, groups, og) + (1,) * nd)
        if t == 0:
            np.multiply(xs, wt, out=out)
        else:
            np.multiply(xs, wt, out=tmp)
            out += tmp
    return out


def _depthwise_stride1(
    xp: FloatArray,
    w: FloatArray,
    kernel: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int],
) -> FloatArray:
    """Depthwise path for stride 1 on the flattened padded input.

    With stride 1, the tap at offset ``off`` reads, for all outputs at once, the contiguous run
    ``flat[off : off + span]`` of the flattened padded input, provided outputs are laid out on
    the padded grid (rows of padded length); the extra columns are dropped at the end. This
    streams through contiguous memory instead of strided windows.

    ``xp`` is ``(N, G, *padded)``, ``w`` is ``(G, Og, taps)``; returns ``(N, G, Og, *out)``.
    """
    n, groups = xp.shape[:2]
    padded = xp.shape[2:]
    nd = len(padded)
    og = w.shape[1]
    elem = [int(np.prod(padded[i + 1 :])) for i in range(nd)]  # element strides of the grid
    span = sum((o - 1) * e for o, e in zip(out_size, elem, strict=True)) + 1
    flat = xp.reshape(n, groups, 1, -1)
    full = np.empty((n, groups, og, out_size[0] * elem[0]), dtype=np.float64)
    acc = full[..., :span]
    tmp = np.empty_like(acc)
    for t, tap in enumerate(np.ndindex(*kernel)):
        off = sum(k * d * e for k, d, e in zip(tap, dilation, elem, strict=True))
        src = flat[..., off : off + span]
        wt = w[None, :, :, t, None]
        if t == 0:
            np.multiply(src, wt, out=acc)
        else:
            np.multiply(src, wt, out=tmp)
            acc += tmp
    grid = full.reshape((n, groups, og, out_size[0], *padded[1:]))
    crop = (Ellipsis, slice(None)) + tuple(slice(0, o) for o in out_size[1:])
    return np.ascontiguousarray(grid[crop])


def _conv_nd(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    stride: Sequence[int],
    pads: Sequence[tuple[int, int]],
    dilation: Sequence[int],
    groups: int,
) -> FloatArray:
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    nd = len(stride)
    if xa.ndim != nd + 2 or wa.ndim != nd + 2:
        raise ValueError(f"expected {nd + 2}-D input and weight, got {xa.shape} and {wa.shape}")
    n, c = xa.shape[:2]
    out_channels, c_per_group = wa.shape[:2]
    kernel = wa.shape[2:]
    if c % groups or out_channels % groups or c_per_group * groups != c:
        raise ValueError(f"groups={groups} does not fit input channels {c}, weight {wa.shape}")
    xp = pad_spatial(xa, pads)
    out_size = tuple(
        conv_out_size(xa.shape[2 + i], kernel[i], stride[i], sum(pads[i]), dilation[i])
        for i in range(nd)
    )
    if min(out_size) < 1:
        raise ValueError(f"kernel {kernel} does not fit the padded input {xp.shape[2:]}")
    win = window_view(xp, kernel, stride, dilation, out_size)  # (N, C, *k, *o)
    og = out_channels // groups
    if c_per_group == 1:
        w = wa.reshape(groups, og, -1)
        if all(st == 1 for st in stride):
            out = _depthwise_stride1(xp, w, kernel, dilation, out_size)
        else:
            out = _depthwise_strided(win, w, kernel)
        out = out.reshape((n, out_channels, *out_size))
    else:
        win_g = win.reshape((n, groups, c_per_group) + win.shape[2:])
        # (N, G, Cg, *k, *o) -> (G, Cg, *k, N, *o)
        order = (1, 2, *range(3, 3 + nd), 0, *range(3 + nd, 3 + 2 * nd))
        columns = np.ascontiguousarray(win_g.transpose(order)).reshape(
            groups, c_per_group * int(np.prod(kernel)), -1
        )
        out = grouped_matmul(columns, wa, n, out_size)
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64).reshape((1, out_channels) + (1,) * nd)
    return out


def conv1d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: tuple[int] = (1,),
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int] = (1,),
    groups: int = 1,
) -> FloatArray:
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, L)``.
    weight
        Shape ``(O, C/groups, k)`` (PyTorch layout).
    bias
        Shape ``(O,)`` or ``None``.
    stride, dilation
        ``(s,)``, ``(d,)``.
    padding
        Explicit zero padding ``(left, right)`` (PyTorch's ``"same"`` puts the odd one right).
    groups
        Number of groups; must divide ``C`` and ``O``.

    Returns
    -------
    FloatArray
        Shape ``(N, O, L_out)`` with ``L_out = floor((L + left + right - d*(k-1) - 1)/s) + 1``.
    """
    left, right = padding
    return _conv_nd(x, weight, bias, stride, ((left, right),), dilation, groups)


def conv2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int, int, int] = (0, 0, 0, 0),
    dilation: tuple[int, int] = (1, 1),
    groups: int = 1,
) -> FloatArray:
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, H, W)``.
    weight
        Shape ``(O, C/groups, kh, kw)`` (PyTorch layout).
    bias
        Shape ``(O,)`` or ``None``.
    stride
        ``(sh, sw)``.
    padding
        Explicit zero padding ``(top, bottom, left, right)``, so that PyTorch's asymmetric
        ``padding="same"`` (extra row/column at the bottom/right) can be expressed.
    dilation
        ``(dh, dw)``.
    groups
        Number of groups; must divide ``C`` and ``O``.

    Returns
    -------
    FloatArray
        Shape ``(N, O, Ho, Wo)`` with ``Ho = floor((H + top + bottom - dh*(kh-1) - 1)/sh) + 1``.
    """
    top, bottom, left, right = padding
    return _conv_nd(x, weight, bias, stride, ((top, bottom), (left, right)), dilation, groups)


def conv3d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: tuple[int, int, int] = (1, 1, 1),
    padding: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0),
    dilation: tuple[int, int, int] = (1, 1, 1),
    groups: int = 1,
) -> FloatArray:
    """3-D convolution, as ``torch.nn.functional.conv3d``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, D, H, W)``.
    weight
        Shape ``(O, C/groups, kd, kh, kw)``.
    bias
        Shape ``(O,)`` or ``None``.
    stride
        ``(sd, sh, sw)``.
    padding
        Explicit zero padding ``(front, back, top, bottom, left, right)``.
    dilation
        ``(dd, dh, dw)``.
    groups
        Number of groups; must divide ``C`` and ``O``.

    Returns
    -------
    FloatArray
        Shape ``(N, O, Do, Ho, Wo)``.
    """
    front, back, top, bottom, left, right = padding
    pads = ((front, back), (top, bottom), (left, right))
    return _conv_nd(x, weight, bias, stride, pads, dilation, groups)


def conv_transpose2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    output_padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
    groups: int = 1,
) -> FloatArray:
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``.

    Computed in the scatter form: every input element stamps the kernel, scaled by its value,
    into the output at ``(i*sh + ky*dh - ph, j*sw + kx*dw - pw)``; overlapping stamps add up.
    One batched matmul gives all stamps, then one strided add per kernel tap places them.

    Parameters
    ----------
    x
        Input, shape ``(N, C, H, W)``.
    weight
        Shape ``(C, O/groups, kh, kw)`` (PyTorch's transposed layout).
    bias
        Shape ``(O,)`` or ``None``.
    stride
        ``(sh, sw)``.
    padding
        ``(ph, pw)``: ``dilation*(kernel-1) - padding`` zeros of implicit padding, i.e. ``ph``
        rows are cropped from each side of the full scatter result.
    output_padding
        ``(oph, opw)``: extra rows/columns added at the bottom/right (each < max(stride, dilation)).
    dilation
        ``(dh, dw)``.
    groups
        Number of groups; must divide ``C`` and ``O``.

    Returns
    -------
    FloatArray
        Shape ``(N, O, Ho, Wo)`` with ``Ho = (H-1)*sh - 2*ph + dh*(kh-1) + oph + 1``.
    """
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    if xa.ndim != 4 or wa.ndim != 4:
        raise ValueError(f"expected 4-D input and weight, got {xa.shape} and {wa.shape}")
    n, c, h, w = xa.shape
    cw, og, kh, kw = wa.shape
    if cw != c or c % groups:
        raise ValueError(f"groups={groups} does not fit input channels {c}, weight {wa.shape}")
    sh, sw = stride
    ph, pw = padding
    oph, opw = output_padding
    dh, dw = dilation
    cg = c // groups
    out_channels = og * groups
    ho = conv_transpose_out_size(h, kh, sh, ph, oph, dh)
    wo = conv_transpose_out_size(w, kw, sw, pw, opw, dw)
    if ho < 1 or wo < 1:
        raise ValueError(f"transposed convolution output size ({ho}, {wo}) is not positive")
    xm = xa.reshape(n, groups, cg, h * w).transpose(1, 2, 0, 3).reshape(groups, cg, n * h * w)
    wm = wa.reshape(groups, cg, og * kh * kw).transpose(0, 2, 1)  # (G, Og*kh*kw, Cg)
    stamps = np.matmul(wm, xm).reshape(groups, og, kh, kw, n, h, w)
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + opw
    full = np.zeros((groups, og, n, full_h, full_w), dtype=np.float64)
    for ky in range(kh):
        rows = slice(ky * dh, ky * dh + (h - 1) * sh + 1, sh)
        for kx in range(kw):
            cols = slice(kx * dw, kx * dw + (w - 1) * sw + 1, sw)
            full[:, :, :, rows, cols] += stamps[:, :, ky, kx]
    out = full[:, :, :, ph : ph + ho, pw : pw + wo]
    out = np.ascontiguousarray(out.transpose(2, 0, 1, 3, 4)).reshape(n, out_channels, ho, wo)
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64).reshape(1, out_channels, 1, 1)
    return out
