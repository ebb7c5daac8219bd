"""``relu``, ``batch_norm2d``, ``flatten`` and ``linear``: the engine against
``torch.nn.functional`` (grids and hypothesis-drawn cases), a LeNet-5 spec against the same
``nn.Sequential``, the counts, the shape table and the chain checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convanim.engine import plan
from convanim.engine.layers import batch_norm2d, flatten, linear, relu
from convanim.engine.report import plan_to_dict
from convanim.errors import ShapeError, SpecError
from convanim.spec import loads

from .torch_reference import ATOL, HYP, F, close, t, torch

pytestmark = pytest.mark.torch


SHAPES = [(1, 3, 5, 5), (2, 4, 3, 7), (1, 2, 6), (3, 5), (1, 2, 3, 4, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_relu_and_flatten_grid(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(len(shape)).uniform(-1, 1, shape)
    close(relu(x), F.relu(t(x)))
    close(flatten(x), torch.flatten(t(x), 1))


def test_relu_keeps_nan_and_zeroes_negatives() -> None:
    x = np.array([[-2.0, -0.0, 0.5, np.nan]])
    out = relu(x)
    assert out[0, 0] == 0.0 and out[0, 2] == 0.5 and np.isnan(out[0, 3])


BN_GRID = [
    # n, c, h, w, eps
    (1, 3, 5, 5, 1e-5),
    (2, 6, 4, 3, 1e-3),
    (1, 1, 1, 1, 0.1),
    (3, 4, 7, 2, 1e-5),
]


def check_bn(rng: np.random.Generator, n: int, c: int, h: int, w: int, eps: float) -> None:
    x = rng.uniform(-3, 3, (n, c, h, w))
    weight, bias = rng.uniform(-2, 2, c), rng.uniform(-1, 1, c)
    mean, var = rng.uniform(-1, 1, c), rng.uniform(0.0, 3.0, c)
    ours = batch_norm2d(x, weight, bias, mean, var, eps)
    ref = F.batch_norm(t(x), t(mean), t(var), t(weight), t(bias), training=False, eps=eps)
    close(ours, ref)


@pytest.mark.parametrize("case", BN_GRID)
def test_batch_norm2d_grid(case: tuple) -> None:
    check_bn(np.random.default_rng(0), *case)


@HYP
@given(
    st.integers(1, 3),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 6),
    st.sampled_from([1e-5, 1e-3, 0.5]),
    st.integers(0, 2**32 - 1),
)
def test_batch_norm2d_random(n: int, c: int, h: int, w: int, eps: float, seed: int) -> None:
    check_bn(np.random.default_rng(seed), n, c, h, w, eps)


LINEAR_GRID = [
    # n, in, out, bias
    (1, 400, 120, True),
    (2, 7, 3, False),
    (1, 1, 1, True),
    (4, 16, 10, True),
]


def check_linear(rng: np.random.Generator, n: int, n_in: int, n_out: int, bias: bool) -> None:
    x = rng.uniform(-1, 1, (n, n_in))
    w = rng.uniform(-1, 1, (n_out, n_in))
    b = rng.uniform(-1, 1, n_out) if bias else None
    close(linear(x, w, b), F.linear(t(x), t(w), t(b)))


@pytest.mark.parametrize("case", LINEAR_GRID)
def test_linear_grid(case: tuple) -> None:
    check_linear(np.random.default_rng(1), *case)


@HYP
@given(
    st.integers(1, 4),
    st.integers(1, 50),
    st.integers(1, 20),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_linear_random(n: int, n_in: int, n_out: int, bias: bool, seed: int) -> None:
    check_linear(np.random.default_rng(seed), n, n_in, n_out, bias)


LENET = """\
input: {shape: [1, 32, 32]}
ops:
  - {type: conv2d, out_channels: 6, kernel_size: 5}
  - {type: batch_norm2d, eps: 0.001, weight: random, bias: random, running_mean: random,
     running_var: random}
  - {type: relu}
  - {type: max_pool2d, kernel_size: 2}
  - {type: conv2d, out_channels: 16, kernel_size: 5}
  - {type: relu}
  - {type: max_pool2d, kernel_size: 2}
  - {type: flatten}
  - {type: linear, out_features: 120, in_features: 400}
  - {type: relu}
  - {type: linear, out_features: 10, bias: false}
"""


def _lenet():  # noqa: ANN202 - torch module
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.BatchNorm2d(6, eps=0.001),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 10, bias=False),
    ).double()


def test_lenet_spec_equals_the_torch_module() -> None:
    data = plan_to_dict(plan(loads(LENET)), values=True)
    model = _lenet().eval()
    for layer, op in zip(model, data["ops"], strict=True):
        if "weight" in op and op["weight"] is not None:
            layer.weight.data = torch.tensor(op["weight"], dtype=torch.float64)
        if "bias" in op and op["bias"] is not None:
            layer.bias.data = torch.tensor(op["bias"], dtype=torch.float64)
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.running_mean.data = torch.tensor(op["running_mean"], dtype=torch.float64)
            layer.running_var.data = torch.tensor(op["running_var"], dtype=torch.float64)
    x = torch.tensor(data["input"]["values"], dtype=torch.float64)
    expected = model(x).detach().numpy()
    assert data["ops"][-1]["output_shape"] == [1, 10]
    np.testing.assert_allclose(np.array(data["ops"][-1]["output"]), expected, rtol=0, atol=ATOL)


def test_counts_shapes_and_table() -> None:
    data = plan_to_dict(plan(loads(LENET)))
    ops = data["ops"]
    bn, flat, fc1, fc2 = ops[1], ops[7], ops[8], ops[10]
    assert bn["params"] == 12 and bn["macs"] == 6 * 28 * 28 and bn["flops"] == 2 * 6 * 28 * 28
    assert [ops[i]["macs"] for i in (2, 5, 7, 9)] == [0, 0, 0, 0]
    assert flat["output_shape"] == [1, 400]
    assert flat["formula"] == ["features = C*H*W = 16*5*5 = 400"]
    assert fc1["params"] == 400 * 120 + 120 and fc1["macs"] == 400 * 120
    assert fc2["params"] == 120 * 10 and fc2["macs"] == 120 * 10
    assert fc1["shape_table"] == {
        "Input": {"batch": 1, "in_features": 400, "out_features": "-"},
        "Kernel": {"batch": "-", "in_features": 400, "out_features": 120},
        "Output": {"batch": 1, "in_features": "-", "out_features": 120},
    }
    assert ops[9]["formula"] == [
        "output shape = input shape: features=120 (negative values become 0)"
    ]


def test_a_vector_input_and_a_batch() -> None:
    one = plan(loads("input: {shape: [5]}\nops: [{type: linear, out_features: 2}]"))
    assert one.ops[0].input_shape == (1, 5) and one.ops[0].output_shape == (1, 2)
    two = plan(loads("input: {shape: [3, 5]}\nops: [{type: linear, out_features: 2}]"))
    assert two.ops[0].output_shape == (3, 2) and two.total.macs == 3 * 5 * 2


def test_batch_norm_defaults_are_a_fresh_module() -> None:
    p = plan(loads("input: {shape: [2, 3, 3]}\nops: [{type: batch_norm2d}]"))
    np.testing.assert_allclose(p.output, p.input / np.sqrt(1 + 1e-5))


BAD = [
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: linear\n    out_features: 4\n",
        "input.shape: a 3-D shape [C, H, W] or [N, C, L] is for 2-D or 1-D ops, but ops[0] is "
        "linear, which needs [F] or [N, F]; put '- type: flatten' before it",
    ),
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: relu\n  - type: linear\n    out_features: 4\n",
        "ops[1].type: linear needs a 2-D input (N, features); its input, the output of ops[0], "
        "is 4-D (1, 2, 3, 3); put '- type: flatten' before it",
    ),
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: flatten\n  - type: linear\n"
        "    out_features: 4\n    in_features: 9\n",
        "ops[1].in_features: in_features=9, but the input has 18 features (1, 18); write "
        "in_features: 18 or leave it out",
    ),
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: flatten\n    start_dim: 2\n",
        "ops[0].start_dim: only start_dim 1 is supported (keep the batch, flatten the rest, like "
        "nn.Flatten()), got 2",
    ),
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: batch_norm2d\n    running_var: [1, -0.5]\n",
        "ops[0].running_var: values must be >= 0 (a variance), got -0.5 at [1]",
    ),
    (
        "input: {shape: [2, 3, 3]}\nops:\n  - type: flatten\n  - type: batch_norm2d\n",
        "ops[1].type: batch_norm2d needs a 4-D input (N, C, H, W); its input, the output of "
        "ops[0], is 2-D (1, 18)",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_chain_messages(text: str, message: str) -> None:
    with pytest.raises((ShapeError, SpecError)) as info:
        loads(text, filename="bad.yaml")
    assert str(info.value).endswith(message), str(info.value)


def test_inspect_json_reports_the_layers() -> None:
    data = plan_to_dict(plan(loads(LENET)), values=True)
    bn, flat, fc1 = data["ops"][1], data["ops"][7], data["ops"][8]
    assert bn["eps"] == 0.001 and len(bn["scale"]) == 6 and len(bn["running_var"]) == 6
    x, y = np.array(data["ops"][0]["output"]), np.array(bn["output"])
    scale, shift = np.array(bn["scale"]), np.array(bn["shift"])
    np.testing.assert_allclose(y, x * scale[None, :, None, None] + shift[None, :, None, None])
    assert flat["start_dim"] == 1 and flat["output_shape"] == [1, 400]
    assert fc1["out_features"] == 120 and fc1["in_features"] == 400
    assert np.array(fc1["weight"]).shape == (120, 400)
