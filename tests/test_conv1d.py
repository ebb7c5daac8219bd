"""``conv1d`` end to end: the engine against ``torch.nn.functional.conv1d`` (a grid and
hypothesis-drawn configurations), the spec forms (C,L / N,C,L, "same" / "valid"), the counts and
receptive field ``inspect`` reports, and a whole spec against ``torch.nn.Conv1d``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.cli import main
from convanim.engine import plan
from convanim.engine.conv import conv1d
from convanim.engine.report import plan_to_dict
from convanim.errors import ShapeError, SpecError
from convanim.spec import loads

from .conftest import SCENES

torch = pytest.importorskip("torch")
F = torch.nn.functional

ATOL = 1e-5
HYP = settings(max_examples=60, deadline=None, derandomize=True)


def check_conv1d(
    rng: np.random.Generator,
    n: int,
    c: int,
    o: int,
    length: int,
    k: int,
    stride: int,
    pad: tuple[int, int],
    dil: int,
    groups: int,
    bias: bool,
) -> None:
    x = rng.uniform(-1, 1, (n, c, length))
    w = rng.uniform(-1, 1, (o, c // groups, k))
    b = rng.uniform(-1, 1, o) if bias else None
    ours = conv1d(x, w, b, (stride,), pad, (dil,), groups)
    padded = F.pad(torch.from_numpy(x), pad)
    ref = F.conv1d(
        padded, torch.from_numpy(w), None if b is None else torch.from_numpy(b), stride, 0, dil,
        groups,
    ).numpy()  # fmt: skip
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=ATOL)


CONV1D_GRID = [
    # n, c, o, L, k, stride, pad (left, right), dilation, groups, bias
    (1, 4, 6, 12, 3, 1, (1, 1), 1, 1, True),
    (2, 6, 6, 16, 3, 2, (1, 1), 1, 6, True),  # depthwise, strided
    (1, 4, 8, 10, 5, 1, (0, 0), 2, 2, False),  # grouped, dilated
    (3, 3, 5, 9, 1, 1, (0, 0), 1, 1, True),  # pointwise
    (1, 2, 2, 7, 4, 3, (1, 2), 1, 1, True),  # asymmetric padding ("same" with an even kernel)
    (2, 6, 3, 20, 2, 1, (0, 0), 3, 3, False),
]


@pytest.mark.parametrize("case", CONV1D_GRID)
def test_conv1d_grid(case: tuple) -> None:
    check_conv1d(np.random.default_rng(0), *case)


@st.composite
def conv1d_configs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 3))
    o = groups * draw(st.integers(1, 3))
    k, dil, stride = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    length = max(draw(st.integers(1, 16)), dil * (k - 1) + 1 - sum(pad))
    return (draw(st.integers(1, 2)), c, o, length, k, stride, pad, dil, groups, draw(st.booleans()))


@HYP
@given(conv1d_configs(), st.integers(0, 2**32 - 1))
def test_conv1d_random(cfg: tuple, seed: int) -> None:
    check_conv1d(np.random.default_rng(seed), *cfg)


SPEC = """\
input:
  shape: [4, 12]
ops:
  - type: conv1d
    out_channels: 6
    kernel_size: 3
    padding: same
    groups: 2
  - type: conv1d
    out_channels: 6
    kernel_size: [3]
    stride: 2
    dilation: 2
"""


def test_a_spec_equals_torch_conv1d_modules() -> None:
    spec = loads(SPEC)
    assert spec.input_shape == (1, 4, 12) and spec.spatial_rank == 1
    data = plan_to_dict(plan(spec), values=True)
    x = torch.tensor(data["input"]["values"])
    first = torch.nn.Conv1d(4, 6, 3, padding="same", groups=2).double()
    second = torch.nn.Conv1d(6, 6, 3, stride=2, dilation=2).double()
    for layer, op in zip((first, second), data["ops"], strict=True):
        layer.weight.data = torch.tensor(op["weight"])
        layer.bias.data = torch.tensor(op["bias"])
    expected = second(first(x)).detach().numpy()
    np.testing.assert_allclose(np.array(data["ops"][1]["output"]), expected, rtol=0, atol=ATOL)


def test_counts_shapes_formula_and_receptive_field() -> None:
    data = plan_to_dict(plan(loads(SPEC)))
    first, second = data["ops"]
    assert first["output_shape"] == [1, 6, 12]
    assert first["padding_sides"] == [1, 1]
    assert first["params"] == 6 * 2 * 3 + 6 and first["macs"] == 6 * 12 * 2 * 3
    assert first["formula"] == ["L_out = floor((12 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 12"]
    assert first["shape_table"]["Kernel"] == {
        "batch": "-", "length": 3, "in_channel": 2, "out_channel": 6,
    }  # fmt: skip
    # floor((12 - 2*2 - 1) / 2) + 1 = 4
    assert second["output_shape"] == [1, 6, 4]
    assert second["formula"] == ["L_out = floor((12 + 2*0 - 2*(3-1) - 1) / 2) + 1 = 4"]
    assert second["params"] == 6 * 6 * 3 + 6 and second["macs"] == 6 * 4 * 6 * 3
    # 3 taps, then 3 taps 2 apart on a grid of jump 1: 3 + 4 = 7
    assert second["receptive_field"] == {"size": [7], "jump": [2], "start": [2]}
    assert data["total"]["params"] == first["params"] + second["params"]


def test_an_unbatched_and_a_batched_input() -> None:
    batched = loads(SPEC.replace("shape: [4, 12]", "shape: [2, 4, 12]"))
    assert batched.input_shape == (2, 4, 12)
    assert plan(batched).output.shape == (2, 6, 4)


def test_valid_padding_and_the_inspect_text() -> None:
    spec = SPEC.replace("padding: same", "padding: valid")
    assert plan(loads(spec)).ops[0].output_shape == (1, 6, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("shape: [4, 12]", "shape: [1, 1, 4, 12]"),
            "input.shape: a 4-D shape [N, C, H, W] is for 2-D ops, but ops[0] is conv1d, which "
            "needs [C, L] or [N, C, L]",
        ),
        (
            ("kernel_size: [3]", "kernel_size: [3, 3]"),
            "ops[1].kernel_size: expected one value [length], got 2",
        ),
        (
            ("groups: 2", "groups: 3"),
            "ops[0].groups: groups=3 does not divide in_channels=4 (allowed: 1, 2)",
        ),
        (
            ("padding: same", "padding: same\n    stride: 2"),
            "ops[0].padding: padding 'same' needs stride 1 (as in PyTorch), got stride [2]; give "
            "the padding as numbers instead",
        ),
        (
            ("shape: [4, 12]", "shape: [4, 3]"),
            "ops[1].kernel_size: the 3 kernel with dilation [2] (spanning 5) does not fit in the "
            "padded 3 input: L_out = floor((3 + 2*0 - 2*(3-1) - 1) / 2) + 1 = 0; use a smaller "
            "kernel, more padding or a larger input",
        ),
    ],
)
def test_bad_conv1d_specs(change: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as err:
        loads(SPEC.replace(*change))
    assert str(err.value).split(": ", 2)[-1] == message.split(": ", 1)[1]
    assert message.split(": ", 1)[0] in str(err.value)
    if "does not" in message:
        assert isinstance(err.value, ShapeError)


def test_a_conv1d_after_a_2d_op_is_refused() -> None:
    text = "input: {shape: [4, 6, 6]}\nops:\n- {type: conv2d, out_channels: 2, kernel_size: 3}\n"
    with pytest.raises(ShapeError) as err:
        loads(text + "- {type: conv1d, out_channels: 2, kernel_size: 3}\n")
    assert str(err.value) == (
        "<string>:4:10: ops[1].type: conv1d needs a 3-D input (N, C, L); its input, the "
        "output of ops[0], is 4-D (1, 2, 4, 4)"
    )


def test_inspect_prints_the_sequence_table() -> None:
    result = CliRunner().invoke(
        main, ["inspect", str(SCENES / "conv1d.yaml")], prog_name="convanim"
    )
    assert result.exit_code == 0, result.output
    assert "batch  length  in_channel  out_channel" in result.output
    assert "L_out = floor(" in result.output
    result = CliRunner().invoke(
        main, ["inspect", "--json", str(SCENES / "conv1d.yaml")], prog_name="convanim"
    )
    assert json.loads(result.output)["ops"][0]["type"] == "conv1d"
