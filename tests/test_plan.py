"""plan(spec) -> Plan: chaining, frozen results, extras, traces, determinism, and a torch check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from convanim.engine import Cost, OpResult, Plan, ReceptiveField, plan
from convanim.engine.trace import (
    DeformTrace,
    SETrace,
    ShuffleTrace,
    TransposeTrace,
    Volume3DTrace,
    WindowTrace,
)
from convanim.errors import ShapeError
from convanim.spec import SceneSpec, loads

CHAIN = """
title: every 2-D op
input: {shape: [2, 4, 9, 9], seed: 3}
ops:
  - {type: conv2d, out_channels: 6, kernel_size: 3, padding: same, groups: 2}
  - {type: max_pool2d, kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}
  - {type: channel_shuffle, groups: 3}
  - {type: squeeze_excitation, reduction: 2}
  - {type: conv_transpose2d, out_channels: 4, kernel_size: 3, stride: 2, padding: 1,
     output_padding: 1, groups: 2}
  - {type: avg_pool2d, kernel_size: 2, count_include_pad: false, padding: 1}
  - {type: deform_conv2d, out_channels: 2, kernel_size: 3, padding: 1, mask: random,
     offset_groups: 2, bias: false}
"""


@pytest.fixture(scope="module")
def chain() -> Plan:
    return plan(loads(CHAIN))


def test_each_op_reads_the_previous_output(chain: Plan) -> None:
    assert chain.ops[0].input is chain.input
    for before, after in zip(chain.ops, chain.ops[1:], strict=False):
        assert after.input is before.output
    assert chain.output is chain.ops[-1].output
    assert [op.index for op in chain.ops] == list(range(7))
    assert [op.type for op in chain.ops] == [op.type for op in chain.spec.ops]


# Hand-computed from PyTorch's output-size rules, written out (not computed by convanim):
# op -> (output shape, formula lines, shape table rows Input / Kernel / Output). Table columns are
# batch, height, width, in_channel, out_channel (conv3d: depth before height).
CHAIN_EXPECTED = [
    (  # conv2d k3, padding same (1 each side), groups 2: C 4 -> 6, 9 -> 9
        (2, 6, 9, 9),
        (
            "H_out = floor((9 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 9",
            "W_out = floor((9 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 9",
        ),
        ((2, 9, 9, 4, "-"), ("-", 3, 3, 2, 6), (2, 9, 9, "-", 6)),
    ),
    (  # max pool k3 s2 p1 ceil_mode: ceil(8 / 2) + 1 = 5, last window starts at 8 < 9 + 1
        (2, 6, 5, 5),
        (
            "H_out = ceil((9 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 5",
            "W_out = ceil((9 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 5",
        ),
        ((2, 9, 9, 6, "-"), ("-", 3, 3, "-", "-"), (2, 5, 5, "-", 6)),
    ),
    (  # channel shuffle keeps the shape
        (2, 6, 5, 5),
        ("output shape = input shape: C=6, H=5, W=5 (channels reordered in 3 groups)",),
        ((2, 5, 5, 6, "-"), ("-",) * 5, (2, 5, 5, "-", 6)),
    ),
    (  # squeeze-excitation, reduction 2: hidden 6 // 2 = 3
        (2, 6, 5, 5),
        (
            "output shape = input shape: C=6, H=5, W=5 "
            "(each channel scaled by its weight; hidden size 3)",
        ),
        ((2, 5, 5, 6, "-"), ("-",) * 5, (2, 5, 5, "-", 6)),
    ),
    (  # transposed conv k3 s2 p1 output_padding 1, groups 2: (5-1)*2 - 2 + 2 + 1 + 1 = 10
        (2, 4, 10, 10),
        (
            "H_out = (5 - 1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 10",
            "W_out = (5 - 1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 10",
        ),
        ((2, 5, 5, 6, "-"), ("-", 3, 3, 3, 4), (2, 10, 10, "-", 4)),
    ),
    (  # avg pool k2 (stride = kernel) p1: floor(10 / 2) + 1 = 6
        (2, 4, 6, 6),
        (
            "H_out = floor((10 + 2*1 - 1*(2-1) - 1) / 2) + 1 = 6",
            "W_out = floor((10 + 2*1 - 1*(2-1) - 1) / 2) + 1 = 6",
        ),
        ((2, 10, 10, 4, "-"), ("-", 2, 2, "-", "-"), (2, 6, 6, "-", 4)),
    ),
    (  # deformable conv k3 p1: 6 -> 6, C 4 -> 2
        (2, 2, 6, 6),
        (
            "H_out = floor((6 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 6",
            "W_out = floor((6 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 6",
        ),
        ((2, 6, 6, 4, "-"), ("-", 3, 3, 4, 2), (2, 6, 6, "-", 2)),
    ),
]


def _rows(op: OpResult) -> tuple[tuple[int | str, ...], ...]:
    assert [r.name for r in op.shape_table.rows] == ["Input", "Kernel", "Output"]
    return tuple(r.cells for r in op.shape_table.rows)


def test_shapes_formulas_and_tables_of_the_chain(chain: Plan) -> None:
    assert chain.input.shape == (2, 4, 9, 9)
    columns = ("batch", "height", "width", "in_channel", "out_channel")
    shape = chain.input.shape
    for op, (out_shape, formula, rows) in zip(chain.ops, CHAIN_EXPECTED, strict=True):
        assert op.input_shape == shape, op.index
        assert op.output.shape == op.output_shape == out_shape, op.index
        assert op.formula == formula, op.index
        assert op.shape_table.columns == columns, op.index
        assert _rows(op) == rows, op.index
        shape = out_shape


SINGLE_OPS = {
    "conv2d stride, padding, dilation": (
        "input: {shape: [3, 10, 11]}\n"
        "ops: [{type: conv2d, out_channels: 4, kernel_size: [3, 2], stride: [2, 3],"
        " padding: [1, 0], dilation: [2, 1]}]",
        (
            "H_out = floor((10 + 2*1 - 2*(3-1) - 1) / 2) + 1 = 4",
            "W_out = floor((11 + 2*0 - 1*(2-1) - 1) / 3) + 1 = 4",
        ),
        ((1, 10, 11, 3, "-"), ("-", 3, 2, 3, 4), (1, 4, 4, "-", 4)),
    ),
    "conv2d same, even kernel (extra row bottom/right)": (
        "input: {shape: [1, 6, 6]}\n"
        "ops: [{type: conv2d, out_channels: 2, kernel_size: 4, padding: same}]",
        (
            "H_out = floor((6 + (1+2) - 1*(4-1) - 1) / 1) + 1 = 6",
            "W_out = floor((6 + (1+2) - 1*(4-1) - 1) / 1) + 1 = 6",
        ),
        ((1, 6, 6, 1, "-"), ("-", 4, 4, 1, 2), (1, 6, 6, "-", 2)),
    ),
    "max pool ceil_mode, last window dropped": (
        "input: {shape: [2, 5, 5]}\n"
        "ops: [{type: max_pool2d, kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}]",
        (
            "H_out = ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 - 1 = 3 "
            "(the last window would start in the padding)",
            "W_out = ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 - 1 = 3 "
            "(the last window would start in the padding)",
        ),
        ((1, 5, 5, 2, "-"), ("-", 2, 2, "-", "-"), (1, 3, 3, "-", 2)),
    ),
    "conv3d": (
        "input: {shape: [2, 4, 6, 7]}\n"
        "ops: [{type: conv3d, out_channels: 3, kernel_size: [2, 3, 3], stride: [1, 2, 2],"
        " padding: [0, 1, 1]}]",
        (
            "D_out = floor((4 + 2*0 - 1*(2-1) - 1) / 1) + 1 = 3",
            "H_out = floor((6 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3",
            "W_out = floor((7 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 4",
        ),
        ((1, 4, 6, 7, 2, "-"), ("-", 2, 3, 3, 2, 3), (1, 3, 3, 4, "-", 3)),
    ),
}


@pytest.mark.parametrize("case", sorted(SINGLE_OPS))
def test_formulas_and_tables_of_single_ops(case: str) -> None:
    text, formula, rows = SINGLE_OPS[case]
    (op,) = plan(loads(text)).ops
    assert op.formula == formula
    assert _rows(op) == rows
    spatial = ("depth", "height", "width") if len(formula) == 3 else ("height", "width")
    assert op.shape_table.columns == ("batch", *spatial, "in_channel", "out_channel")
    assert op.output_shape == (rows[2][0], rows[2][-1], *rows[2][1:-2])


def test_trace_types(chain: Plan) -> None:
    kinds = [type(op.trace) for op in chain.ops]
    assert kinds == [
        WindowTrace,
        WindowTrace,
        ShuffleTrace,
        SETrace,
        TransposeTrace,
        WindowTrace,
        DeformTrace,
    ]
    conv, pool = chain.ops[0].trace, chain.ops[1].trace
    assert isinstance(conv, WindowTrace) and conv.padding == (1, 1, 1, 1) and conv.groups == 2
    assert isinstance(pool, WindowTrace) and pool.groups == 6 and pool.output_size == (5, 5)


def test_weights_biases_and_extras(chain: Plan) -> None:
    conv, pool, shuffle, se, tconv, avg, deform = chain.ops
    assert conv.weight is not None and conv.weight.shape == (6, 2, 3, 3)
    assert conv.bias is not None and conv.bias.shape == (6,)
    assert tconv.weight is not None and tconv.weight.shape == (6, 2, 3, 3)  # (Cin, Cout/g, k, k)
    assert deform.bias is None
    for op in (pool, shuffle, se, avg):
        assert op.weight is None and op.bias is None
    assert set(pool.params) == {"indices"}
    assert pool.params["indices"].shape == pool.output_shape
    assert set(se.params) == {"fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"}
    assert se.params["fc1_weight"].shape == (3, 6)
    assert set(deform.params) == {"offset", "mask"}
    assert deform.params["offset"].shape == (2, 2 * 2 * 9, 6, 6)
    assert dict(shuffle.params) == {} and dict(avg.params) == {}
    assert isinstance(se.trace, SETrace)
    np.testing.assert_allclose(
        se.output, se.input * se.trace.scale[:, :, None, None], rtol=0, atol=1e-15
    )


def test_plan_is_frozen_and_read_only(chain: Plan) -> None:
    op = chain.ops[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.output = np.zeros(1)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chain.total = Cost(0, 0, 0)  # type: ignore[misc]
    for array in (chain.input, op.output, op.weight, chain.ops[1].params["indices"]):
        assert array is not None
        with pytest.raises(ValueError):
            array[(0,) * array.ndim] = 1.0
    with pytest.raises(TypeError):
        chain.ops[1].params["indices"] = np.zeros(1)  # type: ignore[index]


def test_total_and_receptive_fields(chain: Plan) -> None:
    assert chain.total.params == sum(op.cost.params for op in chain.ops)
    assert chain.total.macs == sum(op.cost.macs for op in chain.ops)
    assert all(isinstance(op.receptive_field, ReceptiveField) for op in chain.ops)
    assert chain.ops[0].receptive_field.size == (3, 3)
    assert chain.ops[1].receptive_field.size == (5, 5)
    assert chain.ops[2].receptive_field == chain.ops[1].receptive_field
    assert chain.ops[3].receptive_field.covers_input


def test_same_spec_same_numbers() -> None:
    a, b = plan(loads(CHAIN)), plan(loads(CHAIN))
    for x, y in zip(a.ops, b.ops, strict=True):
        np.testing.assert_array_equal(x.output, y.output)
    other = plan(loads(CHAIN.replace("seed: 3", "seed: 4")))
    assert not np.array_equal(other.output, a.output)


def test_conv3d_plan() -> None:
    p = plan(
        loads(
            "input: {shape: [2, 3, 4, 4]}\n"
            "ops: [{type: conv3d, out_channels: 2, kernel_size: [2, 3, 3], padding: same}]"
        )
    )
    (op,) = p.ops
    assert isinstance(op.trace, Volume3DTrace)
    assert op.output_shape == (1, 2, 3, 4, 4)
    assert op.trace.padding == (0, 1, 1, 1, 1, 1)


def test_explicit_values_flow_through() -> None:
    p = plan(
        loads(
            "input: {shape: [1, 3, 3], values: arange}\n"
            "ops: [{type: conv2d, out_channels: 1, kernel_size: 3, weight: ones, bias: [0.5]}]"
        )
    )
    assert p.output.tolist() == [[[[36.5]]]]


def test_spatially_separable_equals_full_kernel() -> None:
    sep = plan(
        loads(
            "input: {shape: [1, 6, 6], seed: 1}\n"
            "ops:\n"
            "  - {type: conv2d, out_channels: 1, kernel_size: [1, 3], bias: false,"
            " weight: [[[[0.3, 0.4, 0.5]]]]}\n"
            "  - {type: conv2d, out_channels: 1, kernel_size: [3, 1], bias: false,"
            " weight: [[[[0.5], [0.7], [0.8]]]]}\n"
        )
    )
    full_kernel = np.outer([0.5, 0.7, 0.8], [0.3, 0.4, 0.5]).tolist()
    full = plan(
        loads(
            "input: {shape: [1, 6, 6], seed: 1}\n"
            f"ops: [{{type: conv2d, out_channels: 1, kernel_size: 3, bias: false,"
            f" weight: [[{full_kernel}]]}}]"
        )
    )
    np.testing.assert_allclose(sep.output, full.output, atol=1e-12)
    assert sep.total.params == 6 and full.total.params == 9


def test_unvalidated_spec_errors_point_at_the_op() -> None:
    spec = SceneSpec.model_validate(
        {
            "input": {"shape": [3, 5, 5]},
            "ops": [{"type": "channel_shuffle", "groups": 2}],
        }
    )
    with pytest.raises(ShapeError) as info:
        plan(spec)
    assert info.value.path == "ops[0]"
    assert "groups=2" in str(info.value)


def test_opresult_is_exported() -> None:
    assert OpResult.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert Plan.__dataclass_params__.frozen  # type: ignore[attr-defined]


@pytest.mark.torch
def test_chain_matches_torch(chain: Plan) -> None:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional

    def t(a: np.ndarray | None):  # noqa: ANN202
        return None if a is None else torch.from_numpy(np.array(a))

    conv, pool, shuffle, se, tconv, avg, _deform = chain.ops
    x = t(chain.input)
    x = f.conv2d(x, t(conv.weight), t(conv.bias), padding="same", groups=2)
    np.testing.assert_allclose(conv.output, x.numpy(), atol=1e-5)
    x, idx = f.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    np.testing.assert_allclose(pool.output, x.numpy(), atol=1e-5)
    np.testing.assert_array_equal(pool.params["indices"], idx.numpy())
    x = torch.nn.ChannelShuffle(3)(x)
    np.testing.assert_allclose(shuffle.output, x.numpy(), atol=1e-5)
    p = se.params
    s = x.mean(dim=(2, 3))
    s = torch.sigmoid(f.linear(f.relu(f.linear(s, t(p["fc1_weight"]), t(p["fc1_bias"]))),
                               t(p["fc2_weight"]), t(p["fc2_bias"])))  # fmt: skip
    x = x * s[:, :, None, None]
    np.testing.assert_allclose(se.output, x.numpy(), atol=1e-5)
    x = f.conv_transpose2d(
        x, t(tconv.weight), t(tconv.bias), stride=2, padding=1, output_padding=1, groups=2
    )
    np.testing.assert_allclose(tconv.output, x.numpy(), atol=1e-5)
    x = f.avg_pool2d(x, 2, padding=1, count_include_pad=False)
    np.testing.assert_allclose(avg.output, x.numpy(), atol=1e-5)
