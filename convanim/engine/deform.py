"""Deformable convolution (v1 and v2) in NumPy with ``torchvision.ops.deform_conv2d`` semantics.

Layout, as in torchvision's CPU kernel (``deformable_im2col`` + ``bilinear_interpolate``):

* ``offset`` has shape ``(N, 2*offset_groups*kh*kw, Ho, Wo)``; channel
  ``g*2*kh*kw + 2*(i*kw + j)`` is the row offset ``dy`` and the next one the column offset ``dx``
  of kernel tap ``(i, j)`` for offset group ``g``.
* ``mask`` (optional) has shape ``(N, offset_groups*kh*kw, Ho, Wo)``; channel
  ``g*kh*kw + i*kw + j``.
* Tap ``(i, j)`` of output ``(oy, ox)`` samples the input at
  ``y = oy*sh - ph + i*dh + dy``, ``x = ox*sw - pw + j*dw + dx`` by bilinear interpolation; a
  sample with ``y <= -1``, ``y >= H``, ``x <= -1`` or ``x >= W`` is 0, and corner pixels outside
  the image count as 0.
* Input channel ``c`` uses offset group ``c // (C / offset_groups)``; the sampled columns are then
  multiplied by the mask and contracted with the (grouped) weight like an ordinary convolution.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from convanim.engine.conv import FloatArray, grouped_matmul
from convanim.spec.ops.axis import conv_out_size

__all__ = ["bilinear_sample", "deform_base_grid", "deform_conv2d", "deform_sampling_points"]


def deform_base_grid(
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
) -> FloatArray:
    """Return the regular (undeformed) sampling grid of a convolution.

    Parameters
    ----------
    kernel, stride, padding, dilation
        ``(kh, kw)``, ``(sh, sw)``, ``(ph, pw)``, ``(dh, dw)``.
    out_hw
        ``(Ho, Wo)``.

    Returns
    -------
    FloatArray
        Shape ``(Ho, Wo, kh*kw, 2)``:
        ``[oy, ox, i*kw + j] = (oy*sh - ph + i*dh, ox*sw - pw + j*dw)``
        in input coordinates (negative or >= size means padding).
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = out_hw
    rows = (np.arange(ho) * sh - ph)[:, None] + np.arange(kh) * dh  # (Ho, kh)
    cols = (np.arange(wo) * sw - pw)[:, None] + np.arange(kw) * dw  # (Wo, kw)
    grid = np.empty((ho, wo, kh, kw, 2), dtype=np.float64)
    grid[..., 0] = rows[:, None, :, None]
    grid[..., 1] = cols[None, :, None, :]
    return grid.reshape(ho, wo, kh * kw, 2)


def deform_sampling_points(
    offset: ArrayLike,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
) -> FloatArray:
    """Return the fractional input points every kernel tap samples.

    Parameters
    ----------
    offset
        Shape ``(N, 2*offset_groups*kh*kw, Ho, Wo)``, ``(dy, dx)`` pairs per tap (module docstring).
    kernel, stride, padding, dilation
        ``(kh, kw)``, ``(sh, sw)``, ``(ph, pw)``, ``(dh, dw)``.
    out_hw
        ``(Ho, Wo)``; must match the offset's spatial size.

    Returns
    -------
    FloatArray
        Shape ``(N, offset_groups, Ho, Wo, kh*kw, 2)``, the last axis ``(y, x)``: the regular grid
        of :func:`deform_base_grid` plus the offsets.
    """
    off = np.asarray(offset, dtype=np.float64)
    taps = kernel[0] * kernel[1]
    n, ch, ho, wo = off.shape
    if (ho, wo) != tuple(out_hw) or ch % (2 * taps):
        raise ValueError(
            f"offset of shape {off.shape} does not fit kernel {kernel} and output size {out_hw}"
        )
    groups = ch // (2 * taps)
    # (N, og, taps, 2, Ho, Wo) -> (N, og, Ho, Wo, taps, 2)
    off = off.reshape(n, groups, taps, 2, ho, wo).transpose(0, 1, 4, 5, 2, 3)
    return deform_base_grid(kernel, stride, padding, dilation, out_hw) + off


def bilinear_sample(x: FloatArray, points: FloatArray) -> FloatArray:
    """Sample feature maps at fractional points, as torchvision's ``bilinear_interpolate``.

    Parameters
    ----------
    x
        Shape ``(N, G, Cg, H, W)``: channels split into ``G`` offset groups.
    points
        Shape ``(N, G, P, 2)``, ``(y, x)`` per point; group ``g`` of ``x`` is sampled at the points
        of group ``g``.

    Returns
    -------
    FloatArray
        Shape ``(N, G, Cg, P)``. A point with ``y <= -1``, ``y >= H``, ``x <= -1`` or ``x >= W``
        gives 0; of the four neighbours, those outside the image count as 0.
    """
    n, g, cg, h, w = x.shape
    y = points[..., 0]
    xq = points[..., 1]
    inside = (y > -1) & (y < h) & (xq > -1) & (xq < w)
    y0 = np.floor(y)
    x0 = np.floor(xq)
    ly = y - y0
    lx = xq - x0
    hy = 1.0 - ly
    hx = 1.0 - lx
    # Clip before the integer cast so points far outside cannot overflow.
    y0i = np.clip(y0, -1, h).astype(np.int64)
    x0i = np.clip(x0, -1, w).astype(np.int64)
    flat = x.reshape(n, g, cg, h * w)
    out = np.zeros((n, g, cg, points.shape[2]), dtype=np.float64)
    corners = (
        (y0i, x0i, hy * hx),
        (y0i, x0i + 1, hy * lx),
        (y0i + 1, x0i, ly * hx),
        (y0i + 1, x0i + 1, ly * lx),
    )
    for yi, xi, weight in corners:
        valid = inside & (yi >= 0) & (yi <= h - 1) & (xi >= 0) & (xi <= w - 1)
        idx = np.clip(yi, 0, h - 1) * w + np.clip(xi, 0, w - 1)
        values = np.take_along_axis(flat, idx[:, :, None, :], axis=-1)
        values *= np.where(valid, weight, 0.0)[:, :, None, :]
        out += values
    return out


def deform_conv2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    offset: ArrayLike,
    mask: ArrayLike | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
    groups: int = 1,
    offset_groups: int = 1,
) -> FloatArray:
    """Deformable 2-D convolution, as ``torchvision.ops.deform_conv2d``.

    Parameters
    ----------
    x
        Input, shape ``(N, C, H, W)``.
    weight
        Shape ``(O, C/groups, kh, kw)``.
    bias
        Shape ``(O,)`` or ``None``.
    offset
        Shape ``(N, 2*offset_groups*kh*kw, Ho, Wo)`` (layout in the module docstring).
    mask
        Shape ``(N, offset_groups*kh*kw, Ho, Wo)`` or ``None`` (v1, no modulation).
    stride, padding, dilation
        ``(sh, sw)``, ``(ph, pw)`` (symmetric), ``(dh, dw)``.
    groups
        Weight groups; must divide ``C`` and ``O``.
    offset_groups
        Offset groups; must divide ``C``; must match the offset's channel count.

    Returns
    -------
    FloatArray
        Shape ``(N, O, Ho, Wo)`` with the usual convolution output size.
    """
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    n, c, h, w = xa.shape
    out_channels, cg, kh, kw = wa.shape
    taps = kh * kw
    if c % groups or out_channels % groups or cg * groups != c or c % offset_groups:
        raise ValueError(
            f"groups={groups}, offset_groups={offset_groups} do not fit input channels {c} "
            f"and weight {wa.shape}"
        )
    ho = conv_out_size(h, kh, stride[0], 2 * padding[0], dilation[0])
    wo = conv_out_size(w, kw, stride[1], 2 * padding[1], dilation[1])
    off = np.asarray(offset, dtype=np.float64)
    if off.shape != (n, 2 * offset_groups * taps, ho, wo):
        raise ValueError(
            f"offset shape {off.shape} != expected {(n, 2 * offset_groups * taps, ho, wo)}"
        )
    points = deform_sampling_points(off, (kh, kw), stride, padding, dilation, (ho, wo))
    sampled = bilinear_sample(
        xa.reshape(n, offset_groups, c // offset_groups, h, w),
        points.reshape(n, offset_groups, ho * wo * taps, 2),
    )  # (N, og, C/og, Ho*Wo*taps)
    sampled = sampled.reshape(n, offset_groups, c // offset_groups, ho * wo, taps)
    if mask is not None:
        m = np.asarray(mask, dtype=np.float64)
        if m.shape != (n, offset_groups * taps, ho, wo):
            raise ValueError(
                f"mask shape {m.shape} != expected {(n, offset_groups * taps, ho, wo)}"
            )
        m = m.reshape(n, offset_groups, taps, ho * wo).transpose(0, 1, 3, 2)
        sampled = sampled * m[:, :, None]
    # (N, C, P, taps) -> (G, Cg, taps, N, P) -> (G, Cg*taps, N*P)
    columns = sampled.reshape(n, groups, cg, ho * wo, taps).transpose(1, 2, 4, 0, 3)
    columns = np.ascontiguousarray(columns).reshape(groups, cg * taps, n * ho * wo)
    out = grouped_matmul(columns, wa, n, (ho, wo))
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64).reshape(1, out_channels, 1, 1)
    return out
