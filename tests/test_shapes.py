"""Integer shape arithmetic (convanim.spec.ops) against PyTorch's own output shapes."""

from __future__ import annotations

import itertools

import pytest

from convanim.spec.models import SceneSpec
from convanim.spec.ops import axis, op_def

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _op(op: dict, shape: list[int]):
    spec = SceneSpec.model_validate({"input": {"shape": shape}, "ops": [op]})
    return spec.ops[0], spec.input_shape


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d"),
    [
        (n, k, s, p, d)
        for n, k, s, p, d in itertools.product((5, 7, 8), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2))
        if n + 2 * p >= d * (k - 1) + 1
    ],
)
def test_conv_out_size_matches_torch(n: int, k: int, s: int, p: int, d: int) -> None:
    x = torch.zeros(1, 1, n, n)
    w = torch.zeros(1, 1, k, k)
    expected = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    assert axis.conv_out_size(n, k, s, 2 * p, d) == expected


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil"),
    [
        c
        for c in itertools.product((4, 5, 6, 7), (2, 3), (1, 2, 3), (0, 1), (1, 2), (False, True))
        if c[3] <= c[1] // 2 and c[0] + 2 * c[3] >= c[4] * (c[1] - 1) + 1
    ],
)
def test_pool_out_size_matches_torch(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> None:
    x = torch.zeros(1, 1, n, n)
    expected = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil).shape[-1]
    assert axis.pool_out_size(n, k, s, p, d, ceil) == expected


@pytest.mark.parametrize(("k", "d"), [(1, 1), (2, 1), (3, 1), (4, 1), (3, 2), (4, 3)])
@pytest.mark.filterwarnings("ignore:Using padding=.same.")
def test_same_padding_puts_the_extra_pixel_bottom_right(k: int, d: int) -> None:
    x = torch.arange(49.0).reshape(1, 1, 7, 7)
    w = torch.ones(1, 1, k, k)
    top, bottom, left, right = axis.resolve_padding("same", (k, k), (d, d))
    padded = F.pad(x, (left, right, top, bottom))
    expected = F.conv2d(x, w, padding="same", dilation=d)
    assert torch.equal(F.conv2d(padded, w, dilation=d), expected)
    assert top + bottom == d * (k - 1)


def test_resolve_padding_forms() -> None:
    assert axis.resolve_padding(2, (3, 3), (1, 1)) == (2, 2, 2, 2)
    assert axis.resolve_padding((1, 2), (3, 3), (1, 1)) == (1, 1, 2, 2)
    assert axis.resolve_padding("valid", (3, 3), (1, 1)) == (0, 0, 0, 0)
    assert axis.resolve_padding("same", (2, 3, 4), (1, 1, 1)) == (0, 1, 1, 1, 1, 2)


def test_conv_transpose_out_size_matches_torch() -> None:
    for n, k, s, p, op, d in itertools.product((2, 3), (2, 3), (1, 2, 3), (0, 1), (0, 1), (1, 2)):
        if op >= max(s, d):
            continue
        x = torch.zeros(1, 1, n, n)
        w = torch.zeros(1, 1, k, k)
        got = axis.conv_transpose_out_size(n, k, s, p, op, d)
        if got < 1:
            continue
        expected = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        assert got == expected.shape[-1]


def test_formula_texts() -> None:
    assert axis.conv_formula("H", 7, 3, 1, 0, 0, 1) == (
        "H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5"
    )
    assert axis.conv_formula("W", 7, 4, 1, 1, 2, 1) == (
        "W_out = floor((7 + (1+2) - 1*(4-1) - 1) / 1) + 1 = 7"
    )
    assert axis.conv_transpose_formula("H", 2, 3, 1, 0, 0) == (
        "H_out = (2 - 1)*1 - 2*0 + 1*(3-1) + 0 + 1 = 4"
    )
    # torch drops the last ceil-mode window when it would start in the padding: 3, not 4
    assert F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 2, 1, ceil_mode=True).shape[-1] == 3
    assert axis.pool_formula("H", 5, 2, 2, 1, 1, True) == (
        "H_out = ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 - 1 = 3 (the last window would start "
        "in the padding)"
    )


def test_output_shape_of_every_op_type_matches_torch() -> None:
    x = torch.zeros(2, 6, 9, 8)
    cases = [
        (
            {"type": "conv2d", "out_channels": 4, "kernel_size": [3, 2], "stride": 2, "groups": 2},
            F.conv2d(x, torch.zeros(4, 3, 3, 2), stride=2, groups=2),
        ),
        (
            {
                "type": "conv_transpose2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
                "groups": 2,
            },
            F.conv_transpose2d(
                x, torch.zeros(6, 2, 3, 3), stride=2, padding=1, output_padding=1, groups=2
            ),
        ),
        (
            {"type": "max_pool2d", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
        ),
        (
            {"type": "avg_pool2d", "kernel_size": 2, "ceil_mode": True},
            F.avg_pool2d(x, 2, ceil_mode=True),
        ),
        ({"type": "channel_shuffle", "groups": 3}, x),
        ({"type": "squeeze_excitation", "reduction": 2}, x),
        (
            {
                "type": "deform_conv2d",
                "out_channels": 5,
                "kernel_size": 3,
                "padding": 1,
                "dilation": 2,
            },
            F.conv2d(x, torch.zeros(5, 6, 3, 3), padding=1, dilation=2),
        ),
    ]
    for op_dict, expected in cases:
        op, shape = _op(op_dict, [2, 6, 9, 8])
        assert op_def(op).output_shape(op, shape) == tuple(expected.shape), op_dict
    x3 = torch.zeros(1, 4, 5, 6, 7)
    op, shape = _op(
        {"type": "conv3d", "out_channels": 2, "kernel_size": [2, 3, 3], "padding": "same"},
        [4, 5, 6, 7],
    )
    expected3 = F.conv3d(x3, torch.zeros(2, 4, 2, 3, 3), padding="same")
    assert op_def(op).output_shape(op, shape) == tuple(expected3.shape)


def test_shape_table_rows() -> None:
    op, shape = _op({"type": "conv2d", "out_channels": 8, "kernel_size": 3, "groups": 2}, [8, 7, 7])
    table = op_def(op).shape_table(op, shape)
    assert table.columns == ("batch", "height", "width", "in_channel", "out_channel")
    assert table.as_dict() == {
        "Input": {"batch": 1, "height": 7, "width": 7, "in_channel": 8, "out_channel": "-"},
        "Kernel": {"batch": "-", "height": 3, "width": 3, "in_channel": 4, "out_channel": 8},
        "Output": {"batch": 1, "height": 5, "width": 5, "in_channel": "-", "out_channel": 8},
    }
    op, shape = _op({"type": "channel_shuffle", "groups": 2}, [8, 7, 7])
    assert op_def(op).shape_table(op, shape).row("Kernel").cells == ("-",) * 5
    assert op_def(op).formulas(op, shape) == (
        "output shape = input shape: C=8, H=7, W=7 (channels reordered in 2 groups)",
    )
