"""Traces: the windows, stamps and sampling points they record are the ones the engine computes.

Each trace is checked by recomputing the op *from the trace alone* (gathering the input cells it
names) and comparing with the engine's output.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from convanim.engine.conv import conv2d, conv3d, conv_transpose2d
from convanim.engine.deform import deform_conv2d
from convanim.engine.pool import max_pool2d
from convanim.engine.se import squeeze_excitation
from convanim.engine.shuffle import channel_shuffle
from convanim.engine.trace import (
    axis_coords,
    bilinear_corners,
    deform_trace,
    pool_trace,
    se_trace,
    shuffle_trace,
    transpose_trace,
    volume3d_trace,
    window_trace,
    zero_insert,
)

RNG = np.random.default_rng(7)


def gather(x: np.ndarray, flat: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """x (N, C, *spatial) gathered at flat indices (..., taps) with ``fill`` where index is -1."""
    n, c = x.shape[:2]
    xf = x.reshape(n, c, -1)
    got = xf[:, :, np.clip(flat, 0, None)]
    return np.where(flat >= 0, got, fill)


def conv_from_trace(x: np.ndarray, w: np.ndarray, trace) -> np.ndarray:  # noqa: ANN001
    """Convolution computed only from a WindowTrace / Volume3DTrace (groups included)."""
    flat = trace.flat_indices()
    rank = flat.ndim // 2
    out_sp = flat.shape[:rank]
    taps = int(np.prod(flat.shape[rank:]))
    cols = gather(x, flat.reshape(*out_sp, taps))  # (N, C, *out, taps)
    n = x.shape[0]
    o = w.shape[0]
    out = np.zeros((n, o, *out_sp))
    for co in range(o):
        chans = list(trace.input_channels(co))
        wk = w[co].reshape(len(chans), taps)
        out[:, co] = np.einsum("nc...t,ct->n...", cols[:, chans], wk)
    return out


def test_axis_coords_formula() -> None:
    got = axis_coords(4, 3, 2, 1, 2)
    want = np.array([[o * 2 - 1 + k * 2 for k in range(3)] for o in range(4)])
    assert np.array_equal(got, want)
    assert not got.flags.writeable


@pytest.mark.parametrize(
    ("shape", "o", "k", "s", "pad", "d", "g"),
    [
        ((1, 8, 7, 7), 8, (3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1),
        ((2, 6, 9, 8), 4, (3, 2), (2, 1), (1, 1, 0, 0), (1, 2), 2),
        ((1, 6, 8, 8), 6, (3, 3), (1, 1), (1, 1, 1, 1), (2, 2), 6),
        ((1, 4, 6, 7), 2, (2, 4), (1, 1), (0, 1, 1, 2), (1, 1), 1),  # "same" with even kernels
        ((1, 3, 5, 5), 6, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 3),
    ],
)
def test_window_trace_reproduces_conv2d(shape, o, k, s, pad, d, g) -> None:  # noqa: ANN001
    x = RNG.standard_normal(shape)
    w = RNG.standard_normal((o, shape[1] // g, *k))
    out = conv2d(x, w, None, s, pad, d, g)
    trace = window_trace(shape[2:], k, s, pad, d, groups=g, in_channels=shape[1], out_channels=o)
    assert trace.output_size == out.shape[2:]
    assert trace.padding == pad
    np.testing.assert_allclose(conv_from_trace(x, w, trace), out, atol=1e-12)


def test_window_trace_helpers() -> None:
    trace = window_trace((5, 5), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), groups=2,
                         in_channels=4, out_channels=6)  # fmt: skip
    rows, cols = trace.window(0, 1)
    assert rows.tolist() == [-1, 0, 1]
    assert cols.tolist() == [1, 2, 3]
    assert trace.in_bounds(0, 1).tolist() == [[False] * 3, [True] * 3, [True] * 3]
    assert trace.in_bounds(2, 2)[2].tolist() == [False, False, False]  # row 5 is bottom padding
    assert [trace.group_of_output(c) for c in range(6)] == [0, 0, 0, 1, 1, 1]
    assert trace.input_channels(4) == range(2, 4)
    assert trace.output_channels(1) == range(3, 6)
    flat = trace.flat_indices()
    assert flat.shape == (3, 3, 3, 3)
    assert flat[0, 0, 0, 0] == -1 and flat[1, 1, 1, 1] == 2 * 5 + 2


def test_pool_trace_windows_hold_the_argmax() -> None:
    x = RNG.standard_normal((2, 3, 7, 7))
    for k, s, p, d, ceil in [((3, 3), (2, 2), (1, 1), (1, 1), True), ((2, 2), (2, 2), (0, 0),
                             (1, 1), True), ((3, 2), (1, 2), (1, 0), (2, 1), False)]:  # fmt: skip
        out, idx = max_pool2d(x, k, s, p, d, ceil)
        trace = pool_trace((7, 7), 3, k, s, p, d, out.shape[2:])
        assert trace.groups == 3 and trace.in_per_group == 1 and trace.out_per_group == 1
        assert trace.input_channels(2) == range(2, 3)
        flat = trace.flat_indices()
        taps = flat.reshape(*out.shape[2:], -1)
        cells = gather(x, taps, fill=-np.inf)
        np.testing.assert_array_equal(cells.max(axis=-1), out)
        assert all(idx[n, c, i, j] in taps[i, j]
                   for n, c, i, j in np.ndindex(*idx.shape))  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "o", "k", "s", "p", "op", "d", "g"),
    [
        ((1, 1, 2, 2), 1, (3, 3), (1, 1), (0, 0), (0, 0), (1, 1), 1),
        ((2, 4, 3, 4), 6, (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), 2),
        ((1, 2, 4, 3), 2, (2, 3), (3, 2), (0, 1), (2, 0), (1, 2), 1),
        ((1, 2, 5, 5), 3, (3, 3), (1, 1), (3, 3), (0, 0), (1, 1), 1),  # border < 0: a crop
        ((1, 3, 3, 3), 3, (3, 3), (2, 2), (0, 0), (0, 1), (2, 2), 3),
    ],
)
def test_transpose_trace_both_views(shape, o, k, s, p, op, d, g) -> None:  # noqa: ANN001
    x = RNG.standard_normal(shape)
    w = RNG.standard_normal((shape[1], o // g, *k))
    out = conv_transpose2d(x, w, None, s, p, op, d, g)
    trace = transpose_trace(shape[2:], w, s, p, op, d, g)
    assert trace.output_size == out.shape[2:]

    # Scatter view: every input element stamps its kernel, scaled, where the trace says.
    n = shape[0]
    ho, wo = trace.output_size
    flat = trace.scatter_flat_indices()  # (Hin, Win, kh, kw)
    scattered = np.zeros((n, o, ho * wo))
    for ci, i, j in itertools.product(range(shape[1]), range(shape[2]), range(shape[3])):
        outs = list(trace.output_channels(ci))
        taps = flat[i, j].ravel()
        keep = taps >= 0
        stamp = x[:, ci, i, j][:, None, None] * w[ci].reshape(len(outs), -1)[None]
        for oc_local, oc in enumerate(outs):
            np.add.at(scattered[:, oc], (slice(None), taps[keep]), stamp[:, oc_local, keep])
    np.testing.assert_allclose(scattered.reshape(out.shape), out, atol=1e-12)

    # Direct view: zero insertion + border, then an ordinary stride-1 convolution.
    assert trace.dilated_shape == ((shape[2] - 1) * s[0] + 1, (shape[3] - 1) * s[1] + 1)
    bh = d[0] * (k[0] - 1) - p[0]
    assert trace.border == (bh, bh + op[0], d[1] * (k[1] - 1) - p[1],
                            d[1] * (k[1] - 1) - p[1] + op[1])  # fmt: skip
    direct_in = trace.direct_input(x)
    direct = conv2d(direct_in, trace.direct_weight, None, (1, 1), (0, 0, 0, 0), d, g)
    np.testing.assert_allclose(direct, out, atol=1e-12)
    # ... and its window trace reads the same cells of the padded dilated input.
    dt = trace.direct
    assert dt.output_size == out.shape[2:]
    z = zero_insert(x, s)
    np.testing.assert_allclose(conv_from_trace(z, trace.direct_weight, dt), out, atol=1e-12)


def test_transpose_trace_helpers() -> None:
    w = np.arange(2 * 3 * 3 * 3, dtype=float).reshape(2, 3, 3, 3)
    trace = transpose_trace((2, 2), w, (2, 2), (0, 0), (0, 0), (1, 1), 1)
    assert trace.out_rows.tolist() == [[0, 1, 2], [2, 3, 4]]
    rows, cols = trace.stamp(1, 0)
    assert rows.tolist() == [2, 3, 4] and cols.tolist() == [0, 1, 2]
    assert trace.stamp_in_bounds(1, 1).all()
    assert [trace.dilated_source(0, r) for r in range(4)] == [0, -1, 1, -1]
    assert trace.output_channels(1) == range(0, 3)
    # direct weight: flipped in space, in/out swapped
    np.testing.assert_array_equal(trace.direct_weight[2, 1], w[1, 2, ::-1, ::-1])
    cropped = transpose_trace((2, 2), w, (1, 1), (1, 1), (0, 0), (1, 1), 1)
    assert not cropped.stamp_in_bounds(0, 0)[0].any()  # first row stamped at -1: cut off


def test_volume3d_trace_reproduces_conv3d() -> None:
    x = RNG.standard_normal((1, 4, 4, 5, 5))
    w = RNG.standard_normal((2, 2, 2, 3, 3))
    pad = (1, 0, 1, 1, 0, 1)
    out = conv3d(x, w, None, (1, 2, 1), pad, (1, 1, 2), 2)
    trace = volume3d_trace((4, 5, 5), (2, 3, 3), (1, 2, 1), pad, (1, 1, 2), groups=2,
                           in_channels=4, out_channels=2)  # fmt: skip
    assert trace.output_size == out.shape[2:]
    np.testing.assert_allclose(conv_from_trace(x, w, trace), out, atol=1e-12)
    dd, rr, cc = trace.window(0, 0, 0)
    assert dd.tolist() == [-1, 0] and rr.tolist() == [-1, 0, 1] and cc.tolist() == [0, 2, 4]
    assert trace.in_bounds(0, 0, 0).sum() == 1 * 2 * 3


def test_deform_trace_points_and_corners() -> None:
    x = RNG.standard_normal((2, 4, 6, 6))
    w = RNG.standard_normal((4, 2, 3, 3))
    og = 2
    offset = RNG.uniform(-1, 1, (2, 2 * og * 9, 6, 6))
    mask = RNG.uniform(0, 1, (2, og * 9, 6, 6))
    window = window_trace((6, 6), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), groups=2,
                          in_channels=4, out_channels=4)  # fmt: skip
    trace = deform_trace(window, offset, mask, og)
    assert trace.base.shape == (6, 6, 9, 2)
    assert trace.points.shape == (2, og, 6, 6, 9, 2)
    assert trace.mask is not None and trace.mask.shape == (2, og, 6, 6, 9)
    # the regular grid is the window trace's
    assert trace.base[2, 3, 5].tolist() == [window.rows[2, 1], window.cols[3, 2]]
    # tap k of group g: offset channels 2k (dy) and 2k+1 (dx) of that group's block
    g, k, n, oh, ow = 1, 4, 1, 2, 5
    dy = offset[n, g * 18 + 2 * k, oh, ow]
    dx = offset[n, g * 18 + 2 * k + 1, oh, ow]
    assert np.allclose(trace.points[n, g, oh, ow, k], trace.base[oh, ow, k] + [dy, dx])
    assert trace.mask[n, g, oh, ow, k] == mask[n, g * 9 + k, oh, ow]
    assert trace.offset_group_of_input(1) == 0 and trace.offset_group_of_input(2) == 1

    # Recompute the deformable conv from the trace's points, corners and mask alone.
    corners, weights = trace.corners()
    np.testing.assert_allclose(weights.sum(-1), 1.0)
    inside = (
        (corners[..., 0] >= 0)
        & (corners[..., 0] < 6)
        & (corners[..., 1] >= 0)
        & (corners[..., 1] < 6)
    )
    flat = np.where(inside, corners[..., 0] * 6 + corners[..., 1], -1)  # (N, og, Ho, Wo, 9, 4)
    cg = 4 // og
    samples = np.zeros((2, 4, 6, 6, 9))
    for c in range(4):
        gi = trace.offset_group_of_input(c)
        f = flat[:, gi]
        batch = np.arange(2).reshape(2, 1, 1, 1, 1)
        vals = x[:, c].reshape(2, 36)[batch, np.clip(f, 0, None)]
        vals = np.where(f >= 0, vals, 0.0)
        samples[:, c] = (vals * weights[:, gi]).sum(-1) * trace.mask[:, c // cg]
    out = np.zeros((2, 4, 6, 6))
    for co in range(4):
        chans = list(window.input_channels(co))
        out[:, co] = np.einsum("nchwt,ct->nhw", samples[:, chans], w[co].reshape(len(chans), 9))
    want = deform_conv2d(x, w, None, offset, mask, (1, 1), (1, 1), (1, 1), 2, og)
    np.testing.assert_allclose(out, want, atol=1e-10)


def test_deform_trace_zero_offsets_are_the_grid() -> None:
    window = window_trace((5, 5), (3, 3), (2, 2), (0, 0, 0, 0), (1, 1), groups=1,
                          in_channels=1, out_channels=1)  # fmt: skip
    trace = deform_trace(window, np.zeros((1, 18, 2, 2)), None, 1)
    assert trace.mask is None
    np.testing.assert_array_equal(trace.points[0, 0], trace.base)


def test_bilinear_corners_of_an_integer_point() -> None:
    corners, weights = bilinear_corners(np.array([[2.0, 3.0], [-0.5, 1.25]]))
    assert corners[0].tolist() == [[2, 3], [2, 4], [3, 3], [3, 4]]
    assert weights[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert corners[1, 0].tolist() == [-1, 1]
    np.testing.assert_allclose(weights[1], [0.375, 0.125, 0.375, 0.125])


def test_shuffle_trace() -> None:
    x = RNG.standard_normal((1, 6, 2, 2))
    out, perm = channel_shuffle(x, 3)
    trace = shuffle_trace(perm, 3)
    assert trace.perm.tolist() == [0, 2, 4, 1, 3, 5]
    for c in range(6):
        np.testing.assert_array_equal(out[:, trace.destination(c)], x[:, c])
    assert [trace.group_of_input(c) for c in range(6)] == [0, 0, 1, 1, 2, 2]


def test_se_trace_is_a_read_only_copy() -> None:
    x = RNG.standard_normal((2, 4, 3, 3))
    _, squeezed, hidden, scale = squeeze_excitation(
        x, RNG.standard_normal((2, 4)), np.zeros(2), RNG.standard_normal((4, 2)), np.zeros(4)
    )
    trace = se_trace(squeezed, hidden, scale)
    np.testing.assert_array_equal(trace.scale, scale)
    np.testing.assert_allclose(trace.squeezed, x.mean(axis=(2, 3)))
    with pytest.raises(ValueError):
        trace.scale[0, 0] = 1.0


def test_traces_for_a_resnet_sized_layer_are_fast() -> None:
    start = time.perf_counter()
    trace = window_trace((56, 56), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), groups=1,
                         in_channels=64, out_channels=64)  # fmt: skip
    flat = trace.flat_indices()
    pool = pool_trace((56, 56), 64, (3, 3), (2, 2), (1, 1), (1, 1), (28, 28)).flat_indices()
    w = np.zeros((64, 64, 3, 3))
    tt = transpose_trace((56, 56), w, (1, 1), (1, 1), (0, 0), (1, 1), 1)
    scatter = tt.scatter_flat_indices()
    elapsed = time.perf_counter() - start
    assert flat.shape == (56, 56, 3, 3) and pool.shape == (28, 28, 3, 3)
    assert scatter.shape == (56, 56, 3, 3)
    assert elapsed < 1.0
