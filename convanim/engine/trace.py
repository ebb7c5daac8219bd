"""Traces: which input elements every output element reads, for the animation to follow.

A trace is a small frozen record of integer coordinate arrays, built once per op with NumPy
broadcasting (no Python loop over output positions). Coordinates are in the op's *input* grid and
include padding and dilation: a row ``r`` with ``r < 0`` or ``r >= H`` is a padding cell.

Padding is always written with explicit sides: ``(top, bottom, left, right)`` for 2-D and
``(front, back, top, bottom, left, right)`` for 3-D, the same order as the engine's conv functions.

Types
-----
WindowTrace
    Sliding-window ops (conv2d, deform's regular grid, max/avg pooling with ``groups = channels``).
TransposeTrace
    conv_transpose2d, both as a scatter (each input element stamps the kernel into the output) and
    as the equivalent zero-insertion convolution.
DeformTrace
    deform_conv2d: the regular grid points and the fractional points actually sampled.
ShuffleTrace, SETrace, Volume3DTrace
    channel_shuffle, squeeze_excitation and conv3d.
LayerTrace
    relu, batch_norm2d, flatten and linear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from convanim.spec.ops.axis import conv_out_size, conv_transpose_out_size

__all__ = [
    "DeformTrace",
    "LayerTrace",
    "SETrace",
    "ShuffleTrace",
    "TransposeTrace",
    "Volume3DTrace",
    "WindowTrace",
    "axis_coords",
    "bilinear_corners",
    "deform_trace",
    "layer_trace",
    "pool_trace",
    "se_trace",
    "shuffle_trace",
    "transpose_trace",
    "volume3d_trace",
    "window_trace",
    "zero_insert",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

Pair = tuple[int, int]
Triple = tuple[int, int, int]


def _frozen(array: npt.ArrayLike, dtype: type = np.int64) -> npt.NDArray[Any]:
    """Return a read-only contiguous copy of ``array`` with the given dtype."""
    out: npt.NDArray[Any] = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def axis_coords(n_out: int, kernel: int, stride: int, pad_before: int, dilation: int) -> IntArray:
    """Input coordinates read along one spatial axis by every output position.

    Parameters
    ----------
    n_out : int
        Number of output positions along the axis.
    kernel, stride, pad_before, dilation : int
        Kernel size, stride, padding before the first input element, and dilation.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_out, kernel)``: ``coords[o, k] = o * stride - pad_before + k * dilation``.
    """
    out = np.arange(n_out, dtype=np.int64)[:, None] * stride
    taps = np.arange(kernel, dtype=np.int64)[None, :] * dilation
    return _frozen(out - pad_before + taps)


@dataclass(frozen=True, eq=False)
class WindowTrace:
    """Where every output position of a 2-D sliding-window op reads its input.

    Attributes
    ----------
    input_size : tuple[int, int]
        ``(H, W)`` of the input (without padding).
    rows : numpy.ndarray
        Shape ``(Ho, kh)``; ``rows[oh, i]`` is the input row read by kernel row ``i`` at output row
        ``oh``. Values ``< 0`` or ``>= H`` are padding.
    cols : numpy.ndarray
        Shape ``(Wo, kw)``; the same for columns.
    kernel, stride, dilation : tuple[int, int]
        As in PyTorch.
    padding : tuple[int, int, int, int]
        ``(top, bottom, left, right)``. May be negative in the zero-insertion view of a transposed
        conv, where it crops the dilated input.
    groups : int
        Channel groups. Pooling uses ``groups = channels`` (every channel has its own window).
    in_per_group, out_per_group : int
        Input and output channels per group.
    """

    input_size: Pair
    rows: IntArray
    cols: IntArray
    kernel: Pair
    stride: Pair
    padding: tuple[int, int, int, int]
    dilation: Pair
    groups: int
    in_per_group: int
    out_per_group: int

    @property
    def output_size(self) -> Pair:
        """``(Ho, Wo)``."""
        return (int(self.rows.shape[0]), int(self.cols.shape[0]))

    def window(self, oh: int, ow: int) -> tuple[IntArray, IntArray]:
        """Input rows ``(kh,)`` and columns ``(kw,)`` read by output position ``(oh, ow)``."""
        return self.rows[oh], self.cols[ow]

    def in_bounds(self, oh: int, ow: int) -> npt.NDArray[np.bool_]:
        """Boolean ``(kh, kw)`` mask: True where the window cell is a real input element."""
        rows, cols = self.window(oh, ow)
        h, w = self.input_size
        return ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]

    def group_of_output(self, co: int) -> int:
        """Group index of output channel ``co``."""
        return co // self.out_per_group

    def input_channels(self, co: int) -> range:
        """Input channels that output channel ``co`` reads."""
        g = self.group_of_output(co)
        return range(g * self.in_per_group, (g + 1) * self.in_per_group)

    def output_channels(self, group: int) -> range:
        """Output channels produced by ``group``."""
        return range(group * self.out_per_group, (group + 1) * self.out_per_group)

    def flat_indices(self) -> IntArray:
        """Every window at once as flat input indices ``row * W + col``, ``-1`` for padding.

        Returns
        -------
        numpy.ndarray
            Shape ``(Ho, Wo, kh, kw)``.
        """
        h, w = self.input_size
        r = self.rows[:, None, :, None]
        c = self.cols[None, :, None, :]
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        return np.where(inside, r * w + c, -1)


def window_trace(
    input_size: Pair,
    kernel: Pair,
    stride: Pair,
    padding: tuple[int, int, int, int],
    dilation: Pair,
    *,
    groups: int,
    in_channels: int,
    out_channels: int,
    output_size: Pair | None = None,
) -> WindowTrace:
    """Build the :class:`WindowTrace` of a 2-D sliding window.

    Parameters
    ----------
    input_size : tuple[int, int]
        ``(H, W)``.
    kernel, stride, dilation : tuple[int, int]
        As in PyTorch.
    padding : tuple[int, int, int, int]
        ``(top, bottom, left, right)``.
    groups, in_channels, out_channels : int
        Channel grouping of the op.
    output_size : tuple[int, int], optional
        ``(Ho, Wo)``; computed with the floor formula when omitted (pass it for ``ceil_mode``).
    """
    top, bottom, left, right = padding
    if output_size is None:
        output_size = (
            conv_out_size(input_size[0], kernel[0], stride[0], top + bottom, dilation[0]),
            conv_out_size(input_size[1], kernel[1], stride[1], left + right, dilation[1]),
        )
    return WindowTrace(
        input_size=(int(input_size[0]), int(input_size[1])),
        rows=axis_coords(output_size[0], kernel[0], stride[0], top, dilation[0]),
        cols=axis_coords(output_size[1], kernel[1], stride[1], left, dilation[1]),
        kernel=(int(kernel[0]), int(kernel[1])),
        stride=(int(stride[0]), int(stride[1])),
        padding=(int(top), int(bottom), int(left), int(right)),
        dilation=(int(dilation[0]), int(dilation[1])),
        groups=int(groups),
        in_per_group=in_channels // groups,
        out_per_group=out_channels // groups,
    )


def pool_trace(
    input_size: Pair,
    channels: int,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> WindowTrace:
    """Per-channel windows of a pooling op (``groups = channels``; channels do not mix).

    ``output_size`` comes from the op's real output, so ``ceil_mode`` windows that run past the
    padded input show up as coordinates ``>= H`` (treated as padding).
    """
    ph, pw = padding
    return window_trace(
        input_size,
        kernel,
        stride,
        (ph, ph, pw, pw),
        dilation,
        groups=channels,
        in_channels=channels,
        out_channels=channels,
        output_size=output_size,
    )


@dataclass(frozen=True, eq=False)
class Volume3DTrace:
    """Where every output position of a conv3d reads its input (the 3-D :class:`WindowTrace`).

    Attributes
    ----------
    input_size : tuple[int, int, int]
        ``(D, H, W)``.
    depths, rows, cols : numpy.ndarray
        Shapes ``(Do, kd)``, ``(Ho, kh)``, ``(Wo, kw)``; out-of-range values are padding.
    padding : tuple[int, int, int, int, int, int]
        ``(front, back, top, bottom, left, right)``.
    """

    input_size: Triple
    depths: IntArray
    rows: IntArray
    cols: IntArray
    kernel: Triple
    stride: Triple
    padding: tuple[int, int, int, int, int, int]
    dilation: Triple
    groups: int
    in_per_group: int
    out_per_group: int

    @property
    def output_size(self) -> Triple:
        """``(Do, Ho, Wo)``."""
        return (int(self.depths.shape[0]), int(self.rows.shape[0]), int(self.cols.shape[0]))

    def window(self, od: int, oh: int, ow: int) -> tuple[IntArray, IntArray, IntArray]:
        """Input depths ``(kd,)``, rows ``(kh,)`` and columns ``(kw,)`` read at ``(od, oh, ow)``."""
        return self.depths[od], self.rows[oh], self.cols[ow]

    def in_bounds(self, od: int, oh: int, ow: int) -> npt.NDArray[np.bool_]:
        """Boolean ``(kd, kh, kw)`` mask: True where the window cell is a real input element."""
        dd, rr, cc = self.window(od, oh, ow)
        d, h, w = self.input_size
        return (
            ((dd >= 0) & (dd < d))[:, None, None]
            & ((rr >= 0) & (rr < h))[None, :, None]
            & ((cc >= 0) & (cc < w))[None, None, :]
        )

    def group_of_output(self, co: int) -> int:
        """Group index of output channel ``co``."""
        return co // self.out_per_group

    def input_channels(self, co: int) -> range:
        """Input channels that output channel ``co`` reads."""
        g = self.group_of_output(co)
        return range(g * self.in_per_group, (g + 1) * self.in_per_group)

    def flat_indices(self) -> IntArray:
        """All windows as flat indices ``(d * H + h) * W + w``, ``-1`` for padding.

        Returns
        -------
        numpy.ndarray
            Shape ``(Do, Ho, Wo, kd, kh, kw)``.
        """
        d, h, w = self.input_size
        dd = self.depths[:, None, None, :, None, None]
        rr = self.rows[None, :, None, None, :, None]
        cc = self.cols[None, None, :, None, None, :]
        inside = (dd >= 0) & (dd < d) & (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        return np.where(inside, (dd * h + rr) * w + cc, -1)


def volume3d_trace(
    input_size: Triple,
    kernel: Triple,
    stride: Triple,
    padding: tuple[int, int, int, int, int, int],
    dilation: Triple,
    *,
    groups: int,
    in_channels: int,
    out_channels: int,
    output_size: Triple | None = None,
) -> Volume3DTrace:
    """Build the :class:`Volume3DTrace` of a conv3d.

    Padding is ``(front, back, top, bottom, left, right)``; the other arguments are as in
    :func:`window_trace`, with one more axis.
    """
    befores = (padding[0], padding[2], padding[4])
    totals = (padding[0] + padding[1], padding[2] + padding[3], padding[4] + padding[5])
    if output_size is None:
        output_size = (
            conv_out_size(input_size[0], kernel[0], stride[0], totals[0], dilation[0]),
            conv_out_size(input_size[1], kernel[1], stride[1], totals[1], dilation[1]),
            conv_out_size(input_size[2], kernel[2], stride[2], totals[2], dilation[2]),
        )
    coords = [
        axis_coords(output_size[a], kernel[a], stride[a], befores[a], dilation[a]) for a in range(3)
    ]
    return Volume3DTrace(
        input_size=(int(input_size[0]), int(input_size[1]), int(input_size[2])),
        depths=coords[0],
        rows=coords[1],
        cols=coords[2],
        kernel=(int(kernel[0]), int(kernel[1]), int(kernel[2])),
        stride=(int(stride[0]), int(stride[1]), int(stride[2])),
        padding=(
            int(padding[0]),
            int(padding[1]),
            int(padding[2]),
            int(padding[3]),
            int(padding[4]),
            int(padding[5]),
        ),
        dilation=(int(dilation[0]), int(dilation[1]), int(dilation[2])),
        groups=int(groups),
        in_per_group=in_channels // groups,
        out_per_group=out_channels // groups,
    )


def zero_insert(x: FloatArray, stride: Pair) -> FloatArray:
    """Insert ``stride - 1`` zeros between neighbouring input elements (the transposed-conv view).

    Parameters
    ----------
    x : numpy.ndarray
        Shape ``(N, C, H, W)``.
    stride : tuple[int, int]

    Returns
    -------
    numpy.ndarray
        Shape ``(N, C, (H - 1) * sh + 1, (W - 1) * sw + 1)``.
    """
    n, c, h, w = x.shape
    sh, sw = stride
    out = np.zeros((n, c, (h - 1) * sh + 1, (w - 1) * sw + 1), dtype=x.dtype)
    out[:, :, ::sh, ::sw] = x
    return out


@dataclass(frozen=True, eq=False)
class TransposeTrace:
    """A conv_transpose2d seen two ways.

    Scatter view: input element ``(i, j)`` of channel ``ci`` multiplies the kernel
    ``weight[ci]`` and adds it into output rows ``out_rows[i]`` and columns ``out_cols[j]`` of the
    output channels of its group; overlapping stamps sum. Rows ``< 0`` or ``>= Ho`` are cut off by
    ``padding`` (and lie beyond ``output_padding``).

    Direct (zero-insertion) view: insert ``stride - 1`` zeros between inputs (``dilated_shape``),
    pad the border by ``dilation * (kernel - 1) - padding`` on every side plus ``output_padding``
    on the bottom/right (``border``, may be negative, meaning a crop), then run an ordinary
    convolution with stride 1, the same dilation and ``direct_weight`` (the kernel flipped in
    both spatial axes with its in/out channel axes swapped per group). ``direct`` is the
    :class:`WindowTrace` of that convolution over the dilated input.

    Attributes
    ----------
    input_size, output_size : tuple[int, int]
        ``(Hin, Win)`` and ``(Ho, Wo)``.
    out_rows, out_cols : numpy.ndarray
        Shapes ``(Hin, kh)`` and ``(Win, kw)``: ``out_rows[i, k] = i * sh - ph + k * dh``.
    dilated_shape : tuple[int, int]
        ``((Hin - 1) * sh + 1, (Win - 1) * sw + 1)``.
    border : tuple[int, int, int, int]
        ``(top, bottom, left, right)`` padding of the dilated input in the direct view.
    direct_weight : numpy.ndarray
        Shape ``(Cout, Cin / groups, kh, kw)``.
    direct : WindowTrace
        Window trace over the dilated input (coordinates in the dilated grid).
    """

    input_size: Pair
    output_size: Pair
    out_rows: IntArray
    out_cols: IntArray
    kernel: Pair
    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair
    groups: int
    in_per_group: int
    out_per_group: int
    dilated_shape: Pair
    border: tuple[int, int, int, int]
    direct_weight: FloatArray
    direct: WindowTrace

    def stamp(self, i: int, j: int) -> tuple[IntArray, IntArray]:
        """Output rows ``(kh,)`` and columns ``(kw,)`` that input element ``(i, j)`` writes."""
        return self.out_rows[i], self.out_cols[j]

    def stamp_in_bounds(self, i: int, j: int) -> npt.NDArray[np.bool_]:
        """Boolean ``(kh, kw)``: True where the stamped cell lands inside the output."""
        rows, cols = self.stamp(i, j)
        ho, wo = self.output_size
        return ((rows >= 0) & (rows < ho))[:, None] & ((cols >= 0) & (cols < wo))[None, :]

    def group_of_input(self, ci: int) -> int:
        """Group index of input channel ``ci``."""
        return ci // self.in_per_group

    def output_channels(self, ci: int) -> range:
        """Output channels that input channel ``ci`` writes into."""
        g = self.group_of_input(ci)
        return range(g * self.out_per_group, (g + 1) * self.out_per_group)

    def scatter_flat_indices(self) -> IntArray:
        """All stamps as flat output indices ``row * Wo + col``, ``-1`` where cut off.

        Returns
        -------
        numpy.ndarray
            Shape ``(Hin, Win, kh, kw)``.
        """
        ho, wo = self.output_size
        r = self.out_rows[:, None, :, None]
        c = self.out_cols[None, :, None, :]
        inside = (r >= 0) & (r < ho) & (c >= 0) & (c < wo)
        return np.where(inside, r * wo + c, -1)

    def dilated_source(self, axis: int, coord: int) -> int:
        """Input index behind dilated coordinate ``coord`` on ``axis`` (0 rows, 1 cols), else -1.

        ``-1`` means an inserted zero or a border cell.
        """
        s = self.stride[axis]
        n = self.input_size[axis]
        if coord < 0 or coord % s != 0 or coord // s >= n:
            return -1
        return coord // s

    def direct_input(self, x: FloatArray) -> FloatArray:
        """The zero-inserted and border-padded (or cropped) input of the direct view.

        Parameters
        ----------
        x : numpy.ndarray
            The transposed conv's input, shape ``(N, Cin, Hin, Win)``.
        """
        z = zero_insert(x, self.stride)
        top, bottom, left, right = self.border
        z = np.pad(
            z, ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)))
        )
        h, w = z.shape[2], z.shape[3]
        return z[:, :, max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)]


def transpose_trace(
    input_size: Pair,
    weight: FloatArray,
    stride: Pair,
    padding: Pair,
    output_padding: Pair,
    dilation: Pair,
    groups: int,
) -> TransposeTrace:
    """Build the :class:`TransposeTrace` of a conv_transpose2d.

    Parameters
    ----------
    input_size : tuple[int, int]
        ``(Hin, Win)``.
    weight : numpy.ndarray
        PyTorch layout ``(Cin, Cout / groups, kh, kw)``.
    stride, padding, output_padding, dilation : tuple[int, int]
        As in PyTorch.
    groups : int
    """
    cin, opg, kh, kw = weight.shape
    ipg = cin // groups
    kernel = (kh, kw)
    out_size = tuple(
        conv_transpose_out_size(
            input_size[a], kernel[a], stride[a], padding[a], output_padding[a], dilation[a]
        )
        for a in range(2)
    )
    dilated = ((input_size[0] - 1) * stride[0] + 1, (input_size[1] - 1) * stride[1] + 1)
    bh = dilation[0] * (kh - 1) - padding[0]
    bw = dilation[1] * (kw - 1) - padding[1]
    border = (bh, bh + output_padding[0], bw, bw + output_padding[1])
    # (Cin, Cout/g, kh, kw) -> (g, Cin/g, Cout/g, kh, kw) -> (g, Cout/g, Cin/g, kh, kw), flipped.
    w = weight.reshape(groups, ipg, opg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    direct_weight = _frozen(w.reshape(groups * opg, ipg, kh, kw), np.float64)
    direct = window_trace(
        dilated,
        kernel,
        (1, 1),
        border,
        dilation,
        groups=groups,
        in_channels=cin,
        out_channels=groups * opg,
        output_size=(int(out_size[0]), int(out_size[1])),
    )
    return TransposeTrace(
        input_size=(int(input_size[0]), int(input_size[1])),
        output_size=(int(out_size[0]), int(out_size[1])),
        out_rows=axis_coords(input_size[0], kh, stride[0], padding[0], dilation[0]),
        out_cols=axis_coords(input_size[1], kw, stride[1], padding[1], dilation[1]),
        kernel=(kh, kw),
        stride=(int(stride[0]), int(stride[1])),
        padding=(int(padding[0]), int(padding[1])),
        output_padding=(int(output_padding[0]), int(output_padding[1])),
        dilation=(int(dilation[0]), int(dilation[1])),
        groups=int(groups),
        in_per_group=ipg,
        out_per_group=opg,
        dilated_shape=dilated,
        border=border,
        direct_weight=direct_weight,
        direct=direct,
    )


def bilinear_corners(points: FloatArray) -> tuple[IntArray, FloatArray]:
    """The four integer neighbours of fractional points and their bilinear weights.

    Parameters
    ----------
    points : numpy.ndarray
        Shape ``(..., 2)``, ``(y, x)``.

    Returns
    -------
    corners : numpy.ndarray
        Shape ``(..., 4, 2)`` int: ``(y0, x0), (y0, x1), (y1, x0), (y1, x1)``.
    weights : numpy.ndarray
        Shape ``(..., 4)``: the bilinear weight of each corner (they sum to 1). Corners outside
        the input contribute zero in torchvision's deform_conv2d.
    """
    y = points[..., 0]
    x = points[..., 1]
    y0 = np.floor(y)
    x0 = np.floor(x)
    ly = y - y0
    lx = x - x0
    hy = 1.0 - ly
    hx = 1.0 - lx
    y0i = y0.astype(np.int64)
    x0i = x0.astype(np.int64)
    corners = np.stack(
        [
            np.stack([y0i, x0i], -1),
            np.stack([y0i, x0i + 1], -1),
            np.stack([y0i + 1, x0i], -1),
            np.stack([y0i + 1, x0i + 1], -1),
        ],
        axis=-2,
    )
    weights = np.stack([hy * hx, hy * lx, ly * hx, ly * lx], axis=-1)
    return corners, weights


@dataclass(frozen=True, eq=False)
class DeformTrace:
    """Sampling points of a deform_conv2d (torchvision semantics).

    Attributes
    ----------
    window : WindowTrace
        The regular (offset-free) windows, channels and groups.
    base : numpy.ndarray
        Shape ``(Ho, Wo, kh * kw, 2)``: regular grid point ``(y, x)`` of every kernel tap.
    points : numpy.ndarray
        Shape ``(N, offset_groups, Ho, Wo, kh * kw, 2)``: fractional ``(y, x)`` actually sampled
        (``base`` plus the learned offset).
    mask : numpy.ndarray or None
        Shape ``(N, offset_groups, Ho, Wo, kh * kw)``: modulation of every tap, if given.
    offset_groups : int
    """

    window: WindowTrace
    base: FloatArray
    points: FloatArray
    mask: FloatArray | None
    offset_groups: int

    def corners(self) -> tuple[IntArray, FloatArray]:
        """The four bilinear neighbours of every sampling point, see :func:`bilinear_corners`."""
        return bilinear_corners(self.points)

    def offset_group_of_input(self, ci: int) -> int:
        """Offset group of input channel ``ci`` (channels split evenly among offset groups)."""
        c = self.window.in_per_group * self.window.groups
        return ci // (c // self.offset_groups)


def deform_trace(
    window: WindowTrace,
    offset: FloatArray,
    mask: FloatArray | None,
    offset_groups: int,
) -> DeformTrace:
    """Build a :class:`DeformTrace` from the regular windows and the offsets.

    The points come from :func:`convanim.engine.deform.deform_sampling_points`, the function the
    engine itself samples with, so the trace and the computed output cannot disagree.

    Parameters
    ----------
    window : WindowTrace
        Regular windows of the deformable conv (as for conv2d; symmetric padding).
    offset : numpy.ndarray
        Shape ``(N, 2 * offset_groups * kh * kw, Ho, Wo)``, torchvision's layout: for each
        offset group and tap ``k = i * kw + j``, channel ``2k`` is the y, ``2k + 1`` the x offset.
    mask : numpy.ndarray or None
        Shape ``(N, offset_groups * kh * kw, Ho, Wo)``.
    offset_groups : int
    """
    from convanim.engine.deform import deform_base_grid, deform_sampling_points

    kh, kw = window.kernel
    ho, wo = window.output_size
    padding = (window.padding[0], window.padding[2])
    args = (window.kernel, window.stride, padding, window.dilation, (ho, wo))
    base = deform_base_grid(*args)
    points = deform_sampling_points(offset, *args)
    m = None
    if mask is not None:
        n = mask.shape[0]
        m = _frozen(
            mask.reshape(n, offset_groups, kh * kw, ho, wo).transpose(0, 1, 3, 4, 2), np.float64
        )
    return DeformTrace(
        window=window,
        base=_frozen(base, np.float64),
        points=_frozen(points, np.float64),
        mask=m,
        offset_groups=int(offset_groups),
    )


@dataclass(frozen=True, eq=False)
class ShuffleTrace:
    """channel_shuffle: ``out[:, j] = x[:, perm[j]]``.

    Attributes
    ----------
    perm : numpy.ndarray
        Shape ``(C,)``.
    groups : int
    """

    perm: IntArray
    groups: int

    def destination(self, c: int) -> int:
        """Output channel that input channel ``c`` moves to."""
        return int(np.flatnonzero(self.perm == c)[0])

    def group_of_input(self, c: int) -> int:
        """Group of input channel ``c`` (before the shuffle)."""
        return c // (self.perm.shape[0] // self.groups)


def shuffle_trace(perm: npt.ArrayLike, groups: int) -> ShuffleTrace:
    """Build a :class:`ShuffleTrace` from the engine's permutation."""
    return ShuffleTrace(perm=_frozen(perm), groups=int(groups))


@dataclass(frozen=True, eq=False)
class SETrace:
    """squeeze_excitation internals.

    Attributes
    ----------
    squeezed : numpy.ndarray
        Shape ``(N, C)``: the global average of every channel.
    hidden : numpy.ndarray
        Shape ``(N, hidden)``: ``relu(fc1(squeezed))``.
    scale : numpy.ndarray
        Shape ``(N, C)``: ``sigmoid(fc2(hidden))``, the weight every channel is multiplied by.
    """

    squeezed: FloatArray
    hidden: FloatArray
    scale: FloatArray


def se_trace(squeezed: FloatArray, hidden: FloatArray, scale: FloatArray) -> SETrace:
    """Build a :class:`SETrace` (read-only copies of the engine's intermediates)."""
    return SETrace(
        squeezed=_frozen(squeezed, np.float64),
        hidden=_frozen(hidden, np.float64),
        scale=_frozen(scale, np.float64),
    )


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """relu, batch_norm2d, flatten and linear: every output element's inputs are implied by the
    op (the same element; the same element in C,H,W order; every input feature).

    Attributes
    ----------
    input_shape : tuple of int
        The op's input shape, batch included (a flatten's cubes fly from it).
    scale, shift : numpy.ndarray or None
        A batch norm's per-channel ``y = x * scale + shift`` (shape ``(C,)``); None otherwise.
    """

    input_shape: tuple[int, ...]
    scale: FloatArray | None = None
    shift: FloatArray | None = None


def layer_trace(
    input_shape: tuple[int, ...],
    scale: FloatArray | None = None,
    shift: FloatArray | None = None,
) -> LayerTrace:
    """Build a :class:`LayerTrace` (read-only copies of the per-channel factors)."""
    return LayerTrace(
        input_shape=tuple(int(v) for v in input_shape),
        scale=None if scale is None else _frozen(scale, np.float64),
        shift=None if shift is None else _frozen(shift, np.float64),
    )


Trace = (
    WindowTrace | TransposeTrace | DeformTrace | ShuffleTrace | SETrace | Volume3DTrace | LayerTrace
)
"""What the animation of one op follows."""
