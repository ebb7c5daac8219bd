"""Costs by docs/design.md §4.2 (the seeds' figures, hand counts per op) and receptive fields."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from convanim.engine import plan
from convanim.engine.trace import axis_coords
from convanim.spec import loads
from convanim.spec.ops.cost import (
    Cost,
    conv_cost,
    conv_transpose_cost,
    se_cost,
    total_cost,
    zero_cost,
)
from convanim.spec.ops.receptive import (
    ReceptiveField,
    after_global,
    after_transpose,
    after_window,
    initial_field,
)


def run(ops: str, shape: str = "[6, 64, 64]") -> list:
    """Plan a spec with the given input shape and ops (YAML flow list items, one per line)."""
    body = "\n".join(f"  - {line}" for line in ops.strip().splitlines())
    return list(plan(loads(f"input: {{shape: {shape}}}\nops:\n{body}\n")).ops)


# ---------------------------------------------------------------------------------------------
# the seeds' figures
# ---------------------------------------------------------------------------------------------


def test_seed_standard_conv() -> None:
    (op,) = run("{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, bias: false}")
    assert (op.cost.params, op.cost.macs, op.cost.flops) == (162, 663_552, 1_327_104)


def test_seed_grouped_conv() -> None:
    (op,) = run(
        "{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, groups: 3, bias: false}"
    )
    assert (op.cost.params, op.cost.macs) == (54, 221_184)


def test_seed_depthwise_separable() -> None:
    ops = run(
        """
        {type: conv2d, out_channels: 6, kernel_size: 3, padding: 1, groups: 6, bias: false}
        {type: conv2d, out_channels: 3, kernel_size: 1, bias: false}
        """
    )
    total = total_cost([op.cost for op in ops])
    assert (total.params, total.macs) == (72, 294_912)
    assert total == Cost(72, 294_912, 589_824)


def test_seed_figures_from_the_formula_functions() -> None:
    assert conv_cost(1, 6, 3, (64, 64), (3, 3), 1, False) == Cost(162, 663_552, 1_327_104)
    assert conv_cost(1, 6, 3, (64, 64), (3, 3), 3, False).params == 54


# ---------------------------------------------------------------------------------------------
# every op against a hand count
# ---------------------------------------------------------------------------------------------


def test_conv2d_bias_adds_params_not_macs() -> None:
    no_bias = conv_cost(2, 8, 4, (5, 5), (3, 3), 2, False)
    bias = conv_cost(2, 8, 4, (5, 5), (3, 3), 2, True)
    assert bias.params == no_bias.params + 4 == 4 * 4 * 9 + 4
    assert bias.macs == no_bias.macs == 2 * 4 * 25 * 4 * 9


def test_conv2d_in_a_plan_uses_batch_stride_and_groups() -> None:
    (op,) = run(
        "{type: conv2d, out_channels: 4, kernel_size: [3, 2], stride: 2, groups: 2}",
        shape="[2, 6, 9, 8]",
    )
    assert op.output_shape == (2, 4, 4, 4)
    assert op.cost.params == 4 * 3 * 3 * 2 + 4
    assert op.cost.macs == 2 * 4 * 4 * 4 * 3 * 3 * 2


def test_conv_transpose2d_counted_on_the_input_grid() -> None:
    (op,) = run(
        "{type: conv_transpose2d, out_channels: 4, kernel_size: 3, stride: 2, groups: 2}",
        shape="[2, 2, 5, 5]",
    )
    assert op.output_shape == (2, 4, 11, 11)
    # N * Cin * Hin * Win * (Cout/g) * kh * kw, not the output grid
    assert op.cost.macs == 2 * 2 * 25 * 2 * 9 == 1800
    assert op.cost.params == 2 * 2 * 9 + 4
    assert conv_transpose_cost(2, 2, 4, (5, 5), (3, 3), 2, True) == op.cost


def test_conv3d_cost() -> None:
    (op,) = run(
        "{type: conv3d, out_channels: 4, kernel_size: 3, padding: [0, 1, 1], bias: false}",
        shape="[2, 4, 5, 5]",
    )
    assert op.output_shape == (1, 4, 2, 5, 5)
    assert op.cost.params == 4 * 2 * 27
    assert op.cost.macs == 4 * (2 * 5 * 5) * 2 * 27


def test_deform_conv2d_costs_like_conv2d() -> None:
    (deform,) = run("{type: deform_conv2d, out_channels: 4, kernel_size: 3, padding: 1}")
    (conv,) = run("{type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}")
    assert deform.cost == conv.cost
    assert deform.cost.params == 4 * 6 * 9 + 4


def test_squeeze_excitation_counts_the_two_fc_layers() -> None:
    (op,) = run("{type: squeeze_excitation, reduction: 4}", shape="[2, 8, 3, 3]")
    hidden = 2
    assert op.cost.params == 8 * hidden + hidden + hidden * 8 + 8 == 42
    assert op.cost.macs == 2 * (8 * hidden + hidden * 8) == 64
    assert se_cost(2, 8, 2) == op.cost


@pytest.mark.parametrize(
    "op",
    [
        "{type: max_pool2d, kernel_size: 2}",
        "{type: avg_pool2d, kernel_size: 3, stride: 1, padding: 1}",
        "{type: channel_shuffle, groups: 3}",
    ],
)
def test_parameter_free_ops_cost_nothing(op: str) -> None:
    (result,) = run(op)
    assert result.cost == zero_cost() == Cost(0, 0, 0)


def test_flops_are_twice_macs_and_totals_add_up() -> None:
    ops = run(
        """
        {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}
        {type: max_pool2d, kernel_size: 2}
        {type: squeeze_excitation, reduction: 2}
        {type: conv_transpose2d, out_channels: 2, kernel_size: 2, stride: 2}
        """,
        shape="[3, 8, 8]",
    )
    for op in ops:
        assert op.cost.flops == 2 * op.cost.macs
    p = plan(
        loads("input: {shape: [3, 8, 8]}\nops: [{type: conv2d, out_channels: 2, kernel_size: 1}]")
    )
    assert p.total == p.ops[0].cost
    assert total_cost([op.cost for op in ops]).params == sum(op.cost.params for op in ops)
    assert Cost(1, 2, 4) + Cost(10, 20, 40) == Cost(11, 22, 44)


# ---------------------------------------------------------------------------------------------
# receptive field
# ---------------------------------------------------------------------------------------------


def conv(rf: ReceptiveField, k: int, s: int = 1, p: int = 0, d: int = 1) -> ReceptiveField:
    return after_window(rf, (k, k), (s, s), (p, p), (d, d))


@pytest.mark.parametrize(
    ("layers", "size", "jump"),
    [
        ([(3, 1, 1)], 3, 1),
        ([(3, 1, 1)] * 2, 5, 1),
        ([(3, 1, 1)] * 3, 7, 1),
        ([(3, 2, 1), (3, 1, 1)], 7, 2),
        ([(7, 2, 1), (3, 2, 1)], 11, 4),  # ResNet stem: conv 7x7/2 then max pool 3x3/2
        ([(2, 2, 1), (3, 1, 1)], 6, 2),
    ],
)
def test_known_chains(layers: list[tuple[int, int, int]], size: int, jump: int) -> None:
    rf = initial_field(2)
    for k, s, d in layers:
        rf = after_window(rf, (k, k), (s, s), (0, 0), (d, d))
    assert rf.size == (size, size)
    assert rf.jump == (jump, jump)


def test_dilation_uses_the_effective_kernel() -> None:
    rf = conv(initial_field(2), 3, d=2)
    assert rf.size == (5, 5)
    assert conv(rf, 3, d=2).size == (9, 9)


def test_start_is_the_centre_of_output_zero() -> None:
    rf = conv(initial_field(2), 3)
    assert rf.start == (1, 1)  # window rows 0..2
    assert conv(initial_field(2), 3, p=1).start == (0, 0)  # window rows -1..1
    stem = conv(conv(initial_field(2), 7, s=2, p=3), 3, s=2, p=1)
    assert stem.start == (0, 0)  # 'same'-style padding keeps output 0 centred on input 0
    shifted = conv(conv(initial_field(2), 3, s=2), 3, s=2, p=2)
    assert shifted.start == (1 + (1 - 2) * 2, 1 + (1 - 2) * 2)


def brute_force(layers: list[tuple[int, int, int, int]], n_in: int) -> tuple[int, float, int]:
    """Size, centre of output 0 and jump of a 1-D chain by following every window back."""
    sizes = [n_in]
    for k, s, p, d in layers:
        sizes.append((sizes[-1] + 2 * p - d * (k - 1) - 1) // s + 1)

    def reads(o: int) -> set[int]:
        # padding cells of intermediate tensors count too (the theoretical field)
        cells = {o}
        for k, s, p, d in reversed(layers):
            cells = {c * s - p + t * d for c in cells for t in range(k)}
        return cells

    mid = sizes[-1] // 2
    cells = reads(mid)
    zero = reads(0)
    step = min(reads(mid + 1)) - min(cells)
    return max(cells) - min(cells) + 1, (max(zero) + min(zero)) / 2, step


def test_recurrence_matches_brute_force_on_random_chains() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        layers = [
            (
                int(rng.integers(1, 5)),
                int(rng.integers(1, 3)),
                int(rng.integers(0, 2)),
                int(rng.integers(1, 3)),
            )  # fmt: skip
            for _ in range(int(rng.integers(1, 4)))
        ]
        rf = initial_field(1)
        for k, s, p, d in layers:
            rf = after_window(rf, (k,), (s,), (p,), (d,))
        size, centre, jump = brute_force(layers, 200)
        assert rf.size == (size,), layers
        assert rf.start == (centre,), layers
        assert rf.jump == (jump,), layers


@pytest.mark.parametrize(
    ("k", "s", "d", "size", "jump"),
    [(3, 1, 1, 3, 1), (3, 2, 1, 2, 0.5), (2, 2, 1, 1, 0.5), (4, 2, 1, 2, 0.5), (3, 2, 2, 3, 0.5)],
)
def test_transposed_conv_field(k: int, s: int, d: int, size: int, jump: float) -> None:
    rf = after_transpose(initial_field(2), (k, k), (s, s), (0, 0), (d, d))
    assert rf.size == (size, size)
    assert rf.jump == (jump, jump)


def test_transposed_span_is_the_widest_set_of_inputs_one_output_reads() -> None:
    for k, s, d in itertools.product(range(1, 6), range(1, 4), range(1, 4)):
        n = 40
        rows = axis_coords(n, k, s, 0, d)  # where input i stamps
        spans = []
        for o in range(int(rows.max()) + 1):
            inputs = [i for i in range(n) if o in rows[i]]
            if inputs:
                spans.append(max(inputs) - min(inputs) + 1)
        rf = after_transpose(initial_field(1), (k,), (s,), (0,), (d,))
        assert rf.size == (max(spans),), (k, s, d)


def test_transposed_then_conv_in_a_plan() -> None:
    ops = run(
        """
        {type: conv_transpose2d, out_channels: 2, kernel_size: 3, stride: 2, padding: 1}
        {type: conv2d, out_channels: 2, kernel_size: 3, padding: 1}
        """,
        shape="[2, 4, 4]",
    )
    assert ops[0].receptive_field.jump == (0.5, 0.5)
    assert ops[1].receptive_field.size == (3, 3)  # 2 + (3 - 1) * 0.5
    assert ops[1].receptive_field.jump == (0.5, 0.5)


def test_shuffle_keeps_and_se_covers_the_whole_input() -> None:
    ops = run(
        """
        {type: conv2d, out_channels: 4, kernel_size: 3}
        {type: channel_shuffle, groups: 2}
        {type: squeeze_excitation, reduction: 2}
        {type: conv2d, out_channels: 4, kernel_size: 3, stride: 2}
        """,
        shape="[4, 9, 11]",
    )
    assert ops[1].receptive_field == ops[0].receptive_field
    se = ops[2].receptive_field
    assert se.covers_input and se.size == (9, 11) and se.start == (4, 5)
    after = ops[3].receptive_field
    assert after.covers_input and after.size == (9, 11) and after.jump == (2, 2)
    assert after_global(initial_field(2), (5, 5)).as_dict() == {
        "size": [5, 5],
        "jump": [1, 1],
        "start": [2, 2],
    }


def test_conv3d_field_has_three_axes() -> None:
    (op,) = run("{type: conv3d, out_channels: 1, kernel_size: [1, 3, 3]}", shape="[1, 3, 5, 5]")
    assert op.receptive_field.size == (1, 3, 3)


def test_pool_and_deform_fields_are_window_fields() -> None:
    ops = run(
        """
        {type: max_pool2d, kernel_size: 3, stride: 2, padding: 1}
        {type: deform_conv2d, out_channels: 2, kernel_size: 3, dilation: 2}
        """
    )
    assert ops[0].receptive_field.size == (3, 3)
    assert ops[1].receptive_field.size == (3 + 4 * 2, 3 + 4 * 2)
    assert math.isclose(ops[1].receptive_field.start[0], 0 + (2 - 0) * 2)
