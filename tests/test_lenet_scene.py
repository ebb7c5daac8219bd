"""scenes/lenet_digit.yaml is a trained network: it reads its picture as a 3 with convanim's own
engine, torch.nn.functional gives the same numbers, and every layer holds the trained weights
(examples/models/digit_lenet.npz, written by tools/train_lenet.py), none left random.

No training here: the weights are the committed ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from convanim.engine import plan
from convanim.spec import load

from .conftest import ROOT, SCENES

SCENE = SCENES / "lenet_digit.yaml"
STATE = ROOT / "examples" / "models" / "digit_lenet.npz"
#: Layers with weights, by op index, and their entries in the trained state.
LAYERS = {0: "conv1", 3: "conv2", 7: "fc"}


def _ops() -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = yaml.safe_load(SCENE.read_text(encoding="utf-8"))["ops"]
    return ops


def test_the_network_reads_the_digit_as_a_three() -> None:
    result = plan(load(SCENE))
    assert [op.type for op in result.ops] == [
        "conv2d", "relu", "max_pool2d", "conv2d", "relu", "max_pool2d", "flatten", "linear",
    ]  # fmt: skip
    scores = result.ops[-1].output
    assert scores.shape == (1, 10)
    assert int(np.argmax(scores[0])) == 3


def test_every_layer_has_explicit_trained_weights_and_biases() -> None:
    """A conv or linear op without ``weight`` or ``bias`` would get seeded random values: each
    names its .npy file and lists its biases, and they are the trained state's, exactly."""
    ops = _ops()
    weighted = {i for i, op in enumerate(ops) if op["type"] in ("conv2d", "linear")}
    assert weighted == set(LAYERS)
    with np.load(STATE) as state:
        for index, name in LAYERS.items():
            op = ops[index]
            assert isinstance(op.get("weight"), str) and op["weight"].endswith(".npy"), op
            assert isinstance(op.get("bias"), list), op
            weight = np.load(SCENES / op["weight"])
            assert weight.dtype == np.float32
            np.testing.assert_array_equal(weight, state[f"{name}.weight"])
            np.testing.assert_array_equal(np.asarray(op["bias"], np.float32), state[f"{name}.bias"])


def test_the_engine_matches_torch_functional_on_the_picture() -> None:
    """Every op's output equals torch.nn.functional's on the same input and weights to 1e-5."""
    torch = pytest.importorskip("torch")
    functional = pytest.importorskip("torch.nn.functional")
    result = plan(load(SCENE))
    ops = _ops()

    def param(index: int, key: str) -> Any:
        value = ops[index][key]
        array = np.load(SCENES / value) if isinstance(value, str) else np.asarray(value)
        return torch.from_numpy(array.astype(np.float64))

    x = torch.from_numpy(np.asarray(result.input, np.float64))
    steps = [
        lambda x: functional.conv2d(x, param(0, "weight"), param(0, "bias"), padding=2),
        functional.relu,
        lambda x: functional.max_pool2d(x, 2),
        lambda x: functional.conv2d(x, param(3, "weight"), param(3, "bias")),
        functional.relu,
        lambda x: functional.max_pool2d(x, 2),
        lambda x: torch.flatten(x, 1),
        lambda x: functional.linear(x, param(7, "weight"), param(7, "bias")),
    ]
    assert len(steps) == len(result.ops)
    for step, op in zip(steps, result.ops, strict=True):
        x = step(x)
        np.testing.assert_allclose(op.output, x.numpy(), rtol=0, atol=1e-5)


def test_the_picture_is_the_one_the_network_was_shown() -> None:
    """The scene reads digit.png at its own size (28x28): no resampling between the picture
    and what the network saw in training."""
    from PIL import Image

    with Image.open(Path(SCENES / "digit.png")) as image:
        assert image.size == (28, 28)
        pixels = np.asarray(image.convert("L"), np.float64) / 255.0
    np.testing.assert_array_equal(plan(load(SCENE)).input[0, 0], pixels)
