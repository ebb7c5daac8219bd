"""Every engine op against PyTorch: a parameter grid plus hypothesis-drawn configurations.

Outputs must agree to 1e-5 and shapes exactly. torchvision is not installed, so deformable
convolution is checked against a plain-loop transcription of torchvision's CPU kernel
(``deformable_im2col`` + ``bilinear_interpolate``) and against ``conv2d`` for zero offsets.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convanim.engine.conv import conv2d, conv3d, conv_transpose2d
from convanim.engine.deform import deform_conv2d, deform_sampling_points
from convanim.engine.pool import avg_pool2d, max_pool2d
from convanim.engine.se import squeeze_excitation
from convanim.engine.shuffle import channel_shuffle

from .torch_reference import ATOL, HYP, F, close, t, torch

pytestmark = pytest.mark.torch


def rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, size=shape)


# --------------------------------------------------------------------------------------------
# conv2d


def check_conv2d(
    rng: np.random.Generator,
    n: int,
    c: int,
    o: int,
    hw: tuple[int, int],
    k: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int, int, int],
    dil: tuple[int, int],
    groups: int,
    bias: bool,
) -> None:
    x = rand(rng, n, c, *hw)
    w = rand(rng, o, c // groups, *k)
    b = rand(rng, o) if bias else None
    ours = conv2d(x, w, b, stride, pad, dil, groups)
    top, bottom, left, right = pad
    ref = F.conv2d(F.pad(t(x), (left, right, top, bottom)), t(w), t(b), stride, 0, dil, groups)
    close(ours, ref)


CONV2D_GRID = [
    # n, c, o, hw, k, stride, pad (t, b, l, r), dilation, groups, bias
    (1, 8, 8, (7, 7), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1, True),
    (2, 6, 3, (9, 8), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 3, False),
    (1, 6, 6, (8, 8), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 6, True),  # depthwise
    (2, 4, 8, (6, 7), (3, 3), (1, 2), (1, 1, 2, 2), (1, 1), 4, True),  # depthwise x2 multiplier
    (1, 8, 4, (5, 5), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 2, True),  # pointwise group
    (3, 3, 5, (12, 10), (5, 5), (1, 1), (0, 0, 0, 0), (1, 1), 1, True),
    (1, 4, 4, (9, 9), (3, 3), (1, 1), (0, 0, 0, 0), (2, 2), 1, False),  # dilated
    (2, 4, 2, (9, 11), (2, 4), (1, 1), (0, 1, 1, 2), (1, 1), 2, True),  # asymmetric "same"
    (1, 3, 3, (10, 7), (1, 3), (3, 1), (2, 0, 0, 3), (1, 2), 1, True),
    (1, 2, 4, (6, 6), (3, 2), (2, 3), (1, 2, 0, 1), (2, 1), 2, False),
    (2, 3, 6, (8, 7), (3, 2), (1, 1), (1, 2, 0, 1), (2, 1), 3, True),  # depthwise x2, stride 1
    (1, 5, 5, (6, 9), (2, 3), (1, 1), (0, 0, 0, 0), (1, 3), 5, False),  # depthwise, no padding
]


@pytest.mark.parametrize("case", CONV2D_GRID)
def test_conv2d_grid(case: tuple) -> None:
    check_conv2d(np.random.default_rng(0), *case)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning")
@pytest.mark.parametrize("k", [(2, 2), (3, 4), (4, 1), (5, 3)])
@pytest.mark.parametrize("dil", [(1, 1), (2, 3)])
def test_conv2d_matches_torch_padding_same(k: tuple[int, int], dil: tuple[int, int]) -> None:
    """PyTorch's "same" puts the odd extra row/column at the bottom/right."""
    rng = np.random.default_rng(1)
    x = rand(rng, 2, 4, 7, 8)
    w = rand(rng, 6, 2, *k)
    pads: list[int] = []
    for kk, d in zip(k, dil, strict=True):
        total = d * (kk - 1)
        pads += [total // 2, total - total // 2]
    ours = conv2d(x, w, None, (1, 1), tuple(pads), dil, 2)  # type: ignore[arg-type]
    close(ours, F.conv2d(t(x), t(w), None, 1, "same", dil, 2))
    assert ours.shape[2:] == x.shape[2:]


@st.composite
def conv2d_configs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 3))
    o = groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(4))
    hw = tuple(
        max(draw(st.integers(1, 9)), d * (kk - 1) + 1 - p1 - p2)
        for kk, d, p1, p2 in zip(k, dil, pad[0::2], pad[1::2], strict=True)
    )
    n = draw(st.integers(1, 2))
    return (n, c, o, hw, k, stride, pad, dil, groups, draw(st.booleans()))


@HYP
@given(conv2d_configs(), st.integers(0, 2**32 - 1))
def test_conv2d_random(cfg: tuple, seed: int) -> None:
    check_conv2d(np.random.default_rng(seed), *cfg)


def test_spatially_separable_equals_outer_product_kernel() -> None:
    rng = np.random.default_rng(7)
    x = rand(rng, 1, 1, 7, 7)
    row = np.array([0.3, 0.4, 0.5])
    col = np.array([0.5, 0.7, 0.8])
    step1 = conv2d(x, row.reshape(1, 1, 1, 3), None, (1, 1), (0, 0, 0, 0), (1, 1), 1)
    step2 = conv2d(step1, col.reshape(1, 1, 3, 1), None, (1, 1), (0, 0, 0, 0), (1, 1), 1)
    full = conv2d(x, np.outer(col, row).reshape(1, 1, 3, 3), None, (1, 1), (0, 0, 0, 0))
    assert step1.shape == (1, 1, 7, 5)
    assert step2.shape == full.shape == (1, 1, 5, 5)
    np.testing.assert_allclose(step2, full, rtol=0, atol=1e-12)
    close(full, F.conv2d(t(x), t(np.outer(col, row).reshape(1, 1, 3, 3))))


def test_conv2d_large_values_stay_exact() -> None:
    """float64 throughout: `arange`-style inputs of large magnitude still match to 1e-5."""
    x = np.arange(2 * 16 * 20 * 20, dtype=np.float64).reshape(2, 16, 20, 20)
    w = np.arange(8 * 16 * 3 * 3, dtype=np.float64).reshape(8, 16, 3, 3) / 100
    close(conv2d(x, w, None, (1, 1), (1, 1, 1, 1)), F.conv2d(t(x), t(w), padding=1))


# --------------------------------------------------------------------------------------------
# conv3d


def check_conv3d(
    rng: np.random.Generator,
    n: int,
    c: int,
    o: int,
    dhw: tuple[int, int, int],
    k: tuple[int, int, int],
    stride: tuple[int, int, int],
    pad: tuple[int, int, int, int, int, int],
    dil: tuple[int, int, int],
    groups: int,
    bias: bool,
) -> None:
    x = rand(rng, n, c, *dhw)
    w = rand(rng, o, c // groups, *k)
    b = rand(rng, o) if bias else None
    ours = conv3d(x, w, b, stride, pad, dil, groups)
    front, back, top, bottom, left, right = pad
    xp = F.pad(t(x), (left, right, top, bottom, front, back))
    close(ours, F.conv3d(xp, t(w), t(b), stride, 0, dil, groups))


CONV3D_GRID = [
    (1, 2, 3, (5, 5, 5), (3, 3, 3), (1, 1, 1), (0,) * 6, (1, 1, 1), 1, True),
    (2, 4, 4, (4, 6, 5), (2, 3, 3), (2, 1, 2), (1, 1, 0, 1, 1, 0), (1, 1, 1), 2, False),
    (1, 3, 3, (6, 6, 6), (3, 3, 3), (1, 1, 1), (1,) * 6, (2, 1, 2), 3, True),  # depthwise
    (1, 4, 2, (3, 4, 4), (1, 1, 1), (1, 1, 1), (0,) * 6, (1, 1, 1), 1, True),
]


@pytest.mark.parametrize("case", CONV3D_GRID)
def test_conv3d_grid(case: tuple) -> None:
    check_conv3d(np.random.default_rng(0), *case)


@st.composite
def conv3d_configs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(1, 2))
    c = groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(3))
    dil = tuple(draw(st.integers(1, 2)) for _ in range(3))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(3))
    pad = tuple(draw(st.integers(0, 1)) for _ in range(6))
    size = tuple(
        max(draw(st.integers(1, 6)), d * (kk - 1) + 1 - p1 - p2)
        for kk, d, p1, p2 in zip(k, dil, pad[0::2], pad[1::2], strict=True)
    )
    return (draw(st.integers(1, 2)), c, o, size, k, stride, pad, dil, groups, draw(st.booleans()))


@HYP
@given(conv3d_configs(), st.integers(0, 2**32 - 1))
def test_conv3d_random(cfg: tuple, seed: int) -> None:
    check_conv3d(np.random.default_rng(seed), *cfg)


# --------------------------------------------------------------------------------------------
# conv_transpose2d


def check_conv_transpose2d(
    rng: np.random.Generator,
    n: int,
    c: int,
    o: int,
    hw: tuple[int, int],
    k: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int],
    out_pad: tuple[int, int],
    dil: tuple[int, int],
    groups: int,
    bias: bool,
) -> None:
    x = rand(rng, n, c, *hw)
    w = rand(rng, c, o // groups, *k)
    b = rand(rng, o) if bias else None
    ours = conv_transpose2d(x, w, b, stride, pad, out_pad, dil, groups)
    ref = F.conv_transpose2d(t(x), t(w), t(b), stride, pad, out_pad, groups, dil)
    close(ours, ref)


CONVT_GRID = [
    # n, c, o, hw, k, stride, pad, output_padding, dilation, groups, bias
    (1, 1, 1, (2, 2), (3, 3), (1, 1), (0, 0), (0, 0), (1, 1), 1, False),  # 2x2 -> 4x4
    (1, 2, 3, (3, 3), (3, 3), (2, 2), (0, 0), (0, 0), (1, 1), 1, True),
    (2, 4, 6, (4, 5), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), 2, True),
    (1, 3, 3, (5, 4), (4, 2), (3, 2), (1, 0), (2, 1), (1, 1), 3, False),
    (2, 2, 2, (4, 4), (3, 3), (1, 2), (2, 1), (0, 1), (2, 2), 1, True),
    (1, 4, 2, (3, 6), (2, 3), (2, 1), (0, 1), (1, 0), (1, 2), 2, True),
]


@pytest.mark.parametrize("case", CONVT_GRID)
def test_conv_transpose2d_grid(case: tuple) -> None:
    check_conv_transpose2d(np.random.default_rng(0), *case)


@st.composite
def convt_configs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dil, strict=True))
    hw = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    pad = []
    for n_, kk, s, d, op in zip(hw, k, stride, dil, out_pad, strict=True):
        full = (n_ - 1) * s + d * (kk - 1) + op + 1  # output size with zero padding
        pad.append(draw(st.integers(0, min(3, (full - 1) // 2))))
    return (
        draw(st.integers(1, 2)),
        c,
        o,
        hw,
        k,
        stride,
        tuple(pad),
        out_pad,
        dil,
        groups,
        draw(st.booleans()),
    )


@HYP
@given(convt_configs(), st.integers(0, 2**32 - 1))
def test_conv_transpose2d_random(cfg: tuple, seed: int) -> None:
    check_conv_transpose2d(np.random.default_rng(seed), *cfg)


# --------------------------------------------------------------------------------------------
# pooling


def check_max_pool(
    x: np.ndarray,
    k: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int],
    dil: tuple[int, int],
    ceil: bool,
) -> None:
    out, idx = max_pool2d(x, k, stride, pad, dil, ceil)
    ref, ref_idx = F.max_pool2d(t(x), k, stride, pad, dil, ceil, return_indices=True)
    close(out, ref)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx, ref_idx.numpy())


POOL_GRID = [
    # hw, kernel, stride, padding, dilation, ceil_mode
    ((7, 7), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((7, 7), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((8, 9), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((9, 6), (3, 2), (2, 1), (1, 1), (2, 1), False),
    ((10, 10), (3, 3), (3, 3), (1, 0), (1, 2), True),
    ((5, 8), (1, 4), (1, 3), (0, 2), (1, 1), True),
    ((6, 6), (4, 4), (3, 3), (2, 2), (1, 1), True),
]


@pytest.mark.parametrize("case", POOL_GRID)
def test_max_pool2d_grid(case: tuple) -> None:
    hw, k, stride, pad, dil, ceil = case
    check_max_pool(rand(np.random.default_rng(0), 2, 3, *hw), k, stride, pad, dil, ceil)


def test_max_pool2d_ties_and_default_stride() -> None:
    """Ties go to the first element of the window, as in PyTorch; stride=None means kernel."""
    x = np.zeros((1, 2, 6, 6))
    x[0, 1, ::2, ::3] = 1.0
    out, idx = max_pool2d(x, (3, 3), None, (1, 1))
    ref, ref_idx = F.max_pool2d(t(x), 3, padding=1, return_indices=True)
    close(out, ref)
    np.testing.assert_array_equal(idx, ref_idx.numpy())


def test_max_pool2d_all_neg_inf_window() -> None:
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 3, 3] = 2.0
    out, idx = max_pool2d(x, (2, 2), (2, 2), (1, 1), (1, 1), False)
    ref, ref_idx = F.max_pool2d(t(x), 2, 2, 1, return_indices=True)
    np.testing.assert_array_equal(out, ref.numpy())
    np.testing.assert_array_equal(idx, ref_idx.numpy())


def test_max_pool2d_window_only_padding() -> None:
    """A dilated window that skips the whole image keeps PyTorch's initial index."""
    check_max_pool(
        rand(np.random.default_rng(2), 1, 2, 1, 3), (2, 1), (1, 1), (1, 0), (2, 1), False
    )


def test_max_pool2d_nan_wins() -> None:
    x = rand(np.random.default_rng(4), 1, 2, 5, 5)
    x[0, 0, 1, 1] = x[0, 0, 1, 2] = x[0, 1, 4, 4] = np.nan
    out, idx = max_pool2d(x, (3, 3), (2, 2), (1, 1), (1, 1), True)
    ref, ref_idx = F.max_pool2d(t(x), 3, 2, 1, 1, True, return_indices=True)
    np.testing.assert_array_equal(out, ref.numpy())  # NaN == NaN for assert_array_equal
    np.testing.assert_array_equal(idx, ref_idx.numpy())


@st.composite
def pool_configs(draw: st.DrawFn, dilation: bool) -> tuple:
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    pad = tuple(draw(st.integers(0, kk // 2)) for kk in k)  # PyTorch: pad <= kernel / 2
    hw = tuple(
        max(draw(st.integers(1, 9)), d * (kk - 1) + 1 - 2 * p)
        for kk, d, p in zip(k, dil, pad, strict=True)
    )
    return (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        hw,
        k,
        stride,
        pad,
        dil,
        draw(st.booleans()),
    )


@HYP
@given(pool_configs(dilation=True), st.integers(0, 2**32 - 1))
def test_max_pool2d_random(cfg: tuple, seed: int) -> None:
    n, c, hw, k, stride, pad, dil, ceil = cfg
    rng = np.random.default_rng(seed)
    x = np.round(rand(rng, n, c, *hw), 1)  # rounded: ties happen
    check_max_pool(x, k, stride, pad, dil, ceil)


@pytest.mark.parametrize("case", POOL_GRID)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 5])
def test_avg_pool2d_grid(
    case: tuple, count_include_pad: bool, divisor_override: int | None
) -> None:
    hw, k, stride, pad, _, ceil = case
    x = rand(np.random.default_rng(0), 2, 3, *hw)
    ours = avg_pool2d(x, k, stride, pad, ceil, count_include_pad, divisor_override)
    ref = F.avg_pool2d(t(x), k, stride, pad, ceil, count_include_pad, divisor_override)
    close(ours, ref)


@HYP
@given(
    pool_configs(dilation=False),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 7)),
    st.integers(0, 2**32 - 1),
)
def test_avg_pool2d_random(
    cfg: tuple, count_include_pad: bool, divisor_override: int | None, seed: int
) -> None:
    n, c, hw, k, stride, pad, _, ceil = cfg
    x = rand(np.random.default_rng(seed), n, c, *hw)
    ours = avg_pool2d(x, k, stride, pad, ceil, count_include_pad, divisor_override)
    ref = F.avg_pool2d(t(x), k, stride, pad, ceil, count_include_pad, divisor_override)
    close(ours, ref)


# --------------------------------------------------------------------------------------------
# channel shuffle


@pytest.mark.parametrize(("c", "groups"), [(6, 2), (6, 3), (8, 4), (9, 3), (5, 1), (4, 4)])
def test_channel_shuffle_grid(c: int, groups: int) -> None:
    x = rand(np.random.default_rng(0), 2, c, 3, 4)
    out, perm = channel_shuffle(x, groups)
    close(out, torch.nn.ChannelShuffle(groups)(t(x)))
    np.testing.assert_array_equal(out, x[:, perm])
    assert sorted(perm.tolist()) == list(range(c))


def test_channel_shuffle_known_permutation() -> None:
    _, perm = channel_shuffle(np.zeros((1, 6, 1, 1)), 2)
    assert perm.tolist() == [0, 3, 1, 4, 2, 5]


@HYP
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_channel_shuffle_random(groups: int, per_group: int, n: int, seed: int) -> None:
    x = rand(np.random.default_rng(seed), n, groups * per_group, 2, 3)
    out, perm = channel_shuffle(x, groups)
    close(out, torch.nn.ChannelShuffle(groups)(t(x)))
    np.testing.assert_array_equal(out, x[:, perm])


# --------------------------------------------------------------------------------------------
# squeeze-excitation


def se_reference(x, w1, b1, w2, b2):  # noqa: ANN001, ANN201 - torch tensors
    """torchvision's SqueezeExcitation: avgpool, 1x1 conv, ReLU, 1x1 conv, sigmoid, scale."""
    pooled = F.adaptive_avg_pool2d(x, 1)
    hidden = F.relu(F.conv2d(pooled, w1[:, :, None, None], b1))
    scale = torch.sigmoid(F.conv2d(hidden, w2[:, :, None, None], b2))
    return x * scale, pooled[:, :, 0, 0], hidden[:, :, 0, 0], scale[:, :, 0, 0]


@HYP
@given(
    st.integers(1, 3),
    st.integers(1, 8),
    st.integers(1, 4),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_squeeze_excitation_random(
    n: int, c: int, reduction: int, h: int, w: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    hid = max(1, c // reduction)
    x = rand(rng, n, c, h, w)
    # Large weights so that ReLU cuts and the sigmoid saturates in some draws.
    params = (rand(rng, hid, c) * 4, rand(rng, hid), rand(rng, c, hid) * 4, rand(rng, c))
    ours = squeeze_excitation(x, *params)
    refs = se_reference(t(x), *(t(p) for p in params))
    for a, r in zip(ours, refs, strict=True):
        close(a, r)
    assert ours[2].shape == (n, hid)


def test_squeeze_excitation_extreme_logits() -> None:
    x = np.ones((1, 2, 2, 2))
    out, _, _, scale = squeeze_excitation(
        x, np.ones((1, 2)), np.zeros(1), np.array([[1000.0], [-1000.0]]), np.zeros(2)
    )
    np.testing.assert_array_equal(scale, [[1.0, 0.0]])
    np.testing.assert_array_equal(out[0, 1], 0.0)


# --------------------------------------------------------------------------------------------
# deform_conv2d


def tv_bilinear(img: np.ndarray, h: int, w: int, y: float, x: float) -> float:
    """torchvision ops/cpu/deform_conv2d_kernel.cpp: bilinear_interpolate, line by line."""
    if y <= -1 or h <= y or x <= -1 or w <= x:
        return 0.0
    h_low = math.floor(y)
    w_low = math.floor(x)
    h_high = h_low + 1
    w_high = w_low + 1
    lh = y - h_low
    lw = x - w_low
    hh = 1 - lh
    hw = 1 - lw
    v1 = img[h_low, w_low] if h_low >= 0 and w_low >= 0 else 0.0
    v2 = img[h_low, w_high] if h_low >= 0 and w_high <= w - 1 else 0.0
    v3 = img[h_high, w_low] if h_high <= h - 1 and w_low >= 0 else 0.0
    v4 = img[h_high, w_high] if h_high <= h - 1 and w_high <= w - 1 else 0.0
    return hh * hw * v1 + hh * lw * v2 + lh * hw * v3 + lh * lw * v4


def tv_deform_conv2d(x, weight, bias, offset, mask, stride, pad, dil, groups, offset_groups):  # noqa: ANN001, ANN201
    """deformable_im2col then a grouped matrix product, with plain loops (tiny sizes only)."""
    n, c, h, w = x.shape
    o, cg, kh, kw = weight.shape
    ho, wo = offset.shape[2:]
    c_per_og = c // offset_groups
    columns = np.zeros((n, c, kh, kw, ho, wo))
    for b, ci, oy, ox in itertools.product(range(n), range(c), range(ho), range(wo)):
        g = ci // c_per_og
        for i, j in itertools.product(range(kh), range(kw)):
            tap = i * kw + j
            dy = offset[b, g * 2 * kh * kw + 2 * tap, oy, ox]
            dx = offset[b, g * 2 * kh * kw + 2 * tap + 1, oy, ox]
            m = 1.0 if mask is None else mask[b, g * kh * kw + tap, oy, ox]
            y = (oy * stride[0] - pad[0]) + i * dil[0] + dy
            xq = (ox * stride[1] - pad[1]) + j * dil[1] + dx
            columns[b, ci, i, j, oy, ox] = m * tv_bilinear(x[b, ci], h, w, y, xq)
    out = np.zeros((n, o, ho, wo))
    og = o // groups
    for b, oc in itertools.product(range(n), range(o)):
        g = oc // og
        for cl in range(cg):
            ci = g * cg + cl
            out[b, oc] += np.einsum("ij,ijyx->yx", weight[oc, cl], columns[b, ci])
        if bias is not None:
            out[b, oc] += bias[oc]
    return out


@st.composite
def deform_configs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(1, 2))
    offset_groups = draw(st.integers(1, 2))
    c = groups * offset_groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    hw = tuple(
        max(draw(st.integers(1, 5)), d * (kk - 1) + 1 - 2 * p)
        for kk, d, p in zip(k, dil, pad, strict=True)
    )
    return (
        draw(st.integers(1, 2)),
        c,
        o,
        hw,
        k,
        stride,
        pad,
        dil,
        groups,
        offset_groups,
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from([0.5, 1.5, 4.0])),
    )


def run_deform(rng: np.random.Generator, cfg: tuple) -> None:
    n, c, o, hw, k, stride, pad, dil, groups, ogr, bias, use_mask, spread = cfg
    x = rand(rng, n, c, *hw)
    w = rand(rng, o, c // groups, *k)
    b = rand(rng, o) if bias else None
    ho = (hw[0] + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) // stride[0] + 1
    wo = (hw[1] + 2 * pad[1] - dil[1] * (k[1] - 1) - 1) // stride[1] + 1
    taps = k[0] * k[1]
    offset = rand(rng, n, 2 * ogr * taps, ho, wo) * spread
    if spread == 1.5:  # also land exactly on integers and on the -1 / H borders
        offset = np.round(offset)
    mask = rng.uniform(0, 1, (n, ogr * taps, ho, wo)) if use_mask else None
    ours = deform_conv2d(x, w, b, offset, mask, stride, pad, dil, groups, ogr)
    ref = tv_deform_conv2d(x, w, b, offset, mask, stride, pad, dil, groups, ogr)
    assert ours.shape == ref.shape == (n, o, ho, wo)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=ATOL)


DEFORM_GRID = [
    # n, c, o, hw, k, stride, pad, dil, groups, offset_groups, bias, mask, offset spread
    (1, 2, 2, (5, 5), (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, True, False, 1.0),
    (2, 4, 2, (6, 5), (3, 2), (2, 1), (1, 0), (1, 2), 2, 2, False, True, 2.0),
    (1, 4, 4, (5, 6), (2, 3), (1, 2), (0, 1), (2, 1), 4, 1, True, True, 3.0),
    (1, 2, 3, (4, 4), (1, 1), (1, 1), (0, 0), (1, 1), 1, 2, True, True, 1.5),
]


@pytest.mark.parametrize("case", DEFORM_GRID)
def test_deform_conv2d_grid(case: tuple) -> None:
    run_deform(np.random.default_rng(0), case)


@HYP
@given(deform_configs(), st.integers(0, 2**32 - 1))
def test_deform_conv2d_random(cfg: tuple, seed: int) -> None:
    run_deform(np.random.default_rng(seed), cfg)


def test_bilinear_borders() -> None:
    """Samples at y = -1 / H (excluded) and just inside them (partial corners)."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 1, 1))
    for dy, dx in [(-1.0, 0.0), (3.0, 0.0), (-0.5, 0.0), (2.5, 2.5), (0.25, -0.75), (0, 2.999)]:
        offset = np.zeros((1, 2, 1, 1))
        offset[0, :, 0, 0] = (dy, dx)
        ours = deform_conv2d(x[:, :, :1, :1], w, None, offset, None)  # 1x1 image
        ref = tv_deform_conv2d(x[:, :, :1, :1], w, None, offset, None, (1, 1), (0, 0), (1, 1), 1, 1)
        np.testing.assert_allclose(ours, ref, atol=1e-12)
        big = np.zeros((1, 2, 3, 3))
        big[0, 0], big[0, 1] = dy, dx
        ours = deform_conv2d(x, w, None, big, None)
        ref = tv_deform_conv2d(x, w, None, big, None, (1, 1), (0, 0), (1, 1), 1, 1)
        np.testing.assert_allclose(ours, ref, atol=1e-12)


@pytest.mark.parametrize("case", CONV2D_GRID[:6])
def test_deform_zero_offsets_equal_conv2d(case: tuple) -> None:
    n, c, o, hw, k, stride, _, dil, groups, bias = case
    rng = np.random.default_rng(3)
    pad = (1, 2)
    x = rand(rng, n, c, *hw)
    w = rand(rng, o, c // groups, *k)
    b = rand(rng, o) if bias else None
    ref = F.conv2d(t(x), t(w), t(b), stride, pad, dil, groups)
    ho, wo = ref.shape[2:]
    offset = np.zeros((n, 2 * k[0] * k[1], ho, wo))
    ours = deform_conv2d(x, w, b, offset, None, stride, pad, dil, groups, 1)
    close(ours, ref)
    ones = np.ones((n, k[0] * k[1], ho, wo))
    np.testing.assert_allclose(
        deform_conv2d(x, w, b, offset, ones, stride, pad, dil, groups, 1), ours, atol=1e-12
    )


def test_deform_mask_of_ones_equals_no_mask() -> None:
    rng = np.random.default_rng(5)
    x = rand(rng, 2, 4, 6, 6)
    w = rand(rng, 4, 2, 3, 3)
    offset = rand(rng, 2, 2 * 2 * 9, 4, 4) * 2
    no_mask = deform_conv2d(x, w, None, offset, None, (1, 1), (0, 0), (1, 1), 2, 2)
    ones = deform_conv2d(x, w, None, offset, np.ones((2, 18, 4, 4)), (1, 1), (0, 0), (1, 1), 2, 2)
    np.testing.assert_allclose(ones, no_mask, rtol=0, atol=1e-12)


def test_deform_sampling_points_layout() -> None:
    """(dy, dx) pairs per tap, offset groups outermost; regular grid plus offsets."""
    kernel, stride, padding, dilation = (2, 3), (2, 1), (1, 0), (1, 2)
    ho, wo, og, taps = 2, 3, 2, 6
    offset = np.arange(1 * 2 * og * taps * ho * wo, dtype=np.float64).reshape(1, -1, ho, wo)
    pts = deform_sampling_points(offset, kernel, stride, padding, dilation, (ho, wo))
    assert pts.shape == (1, og, ho, wo, taps, 2)
    for g, oy, ox, i, j in itertools.product(range(og), range(ho), range(wo), range(2), range(3)):
        tap = i * 3 + j
        y = oy * 2 - 1 + i * 1 + offset[0, g * 2 * taps + 2 * tap, oy, ox]
        x = ox * 1 - 0 + j * 2 + offset[0, g * 2 * taps + 2 * tap + 1, oy, ox]
        assert tuple(pts[0, g, oy, ox, tap]) == (y, x)
