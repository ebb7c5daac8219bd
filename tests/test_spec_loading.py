"""Valid specs: every input form of docs/design.md §4.1 loads, normalises and resolves to arrays."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pydantic
import pytest

from convanim.errors import SpecError
from convanim.spec import (
    Conv2dSpec,
    SceneSpec,
    load,
    loads,
    resolve_input,
    resolve_op_tensors,
    rng_key,
    tensor_requests,
    validate_chain,
)
from convanim.spec.ops import op_def

SCENES = Path(__file__).resolve().parent.parent / "scenes"

CONV = "ops:\n  - {type: conv2d, out_channels: 4, kernel_size: 3}\n"


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> SceneSpec:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load(path)


def test_standard_conv_scene_loads_with_defaults() -> None:
    spec = load(SCENES / "standard_conv.yaml")
    assert spec.title == "Standard convolution"
    assert spec.input.shape == (8, 7, 7)
    assert spec.input_shape == (1, 8, 7, 7)
    assert spec.input.values == "random" and spec.input.seed == 0
    (op,) = spec.ops
    assert isinstance(op, Conv2dSpec)
    assert op.kernel_size == (3, 3) and op.stride == (1, 1) and op.padding == (0, 0)
    assert op.dilation == (1, 1) and op.groups == 1 and op.bias is True
    assert spec.animation.full_positions == 3 and spec.theme.name == "light"
    assert spec.labels.table and spec.camera.zoom == 1.0
    assert validate_chain(spec) == ((1, 8, 7, 7), (1, 8, 5, 5))
    assert spec.source.file == str(SCENES / "standard_conv.yaml")
    assert spec.source.base_dir == SCENES


def test_every_scene_in_the_gallery_loads() -> None:
    files = sorted(SCENES.glob("*.yaml"))
    assert files
    for file in files:
        assert load(file).ops


@pytest.mark.parametrize(
    ("shape", "ops", "full"),
    [
        ([8, 7, 7], CONV, (1, 8, 7, 7)),
        ([2, 8, 7, 7], CONV, (2, 8, 7, 7)),
        ([3, 4, 5, 6], "ops: [{type: conv3d, out_channels: 2, kernel_size: 3}]", (1, 3, 4, 5, 6)),
        (
            [2, 3, 4, 5, 6],
            "ops: [{type: conv3d, out_channels: 2, kernel_size: 1}]",
            (2, 3, 4, 5, 6),
        ),
    ],
)
def test_input_shape_forms(shape: list[int], ops: str, full: tuple[int, ...]) -> None:
    spec = loads(f"input: {{shape: {shape}}}\n{ops}")
    assert spec.input.shape == tuple(shape)
    assert spec.input_shape == full
    assert resolve_input(spec).shape == full


def test_value_keywords() -> None:
    def values(word: str) -> np.ndarray:
        return resolve_input(loads(f"input: {{shape: [2, 3, 4], values: {word}}}\n{CONV}"))

    assert np.array_equal(values("zeros"), np.zeros((1, 2, 3, 4)))
    assert np.array_equal(values("ones"), np.ones((1, 2, 3, 4)))
    assert np.array_equal(values("arange"), np.arange(24.0).reshape(1, 2, 3, 4))
    random = values("random")
    assert random.dtype == np.float64 and random.shape == (1, 2, 3, 4)
    assert random.min() >= -1 and random.max() <= 1 and len(np.unique(random)) == 24


def test_nested_list_values_with_and_without_batch() -> None:
    rows = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    ops = "ops: [{type: max_pool2d, kernel_size: 2}]"
    unbatched = loads(f"input: {{shape: [1, 3, 3], values: {[rows]}}}\n{ops}")
    batched = loads(f"input: {{shape: [1, 3, 3], values: {[[rows]]}}}\n{ops}")
    expected = np.array([[rows]], dtype=np.float64)
    assert np.array_equal(resolve_input(unbatched), expected)
    assert np.array_equal(resolve_input(batched), expected)
    assert unbatched.input.values == (tuple(tuple(float(v) for v in r) for r in rows),)


def test_npy_values_relative_to_the_spec_folder(tmp_path: Path) -> None:
    data = np.arange(2 * 5 * 5, dtype=np.float32).reshape(2, 5, 5) / 7
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "x.npy", data)
    weight = np.linspace(-1, 1, 3 * 2 * 3 * 3).reshape(3, 2, 3, 3)
    np.save(tmp_path / "w.npy", weight)
    spec = _spec(
        tmp_path,
        "input: {shape: [2, 5, 5], values: data/x.npy}\n"
        "ops: [{type: conv2d, out_channels: 3, kernel_size: 3, weight: w.npy, bias: false}]\n",
    )
    assert np.array_equal(resolve_input(spec), data[None].astype(np.float64))
    tensors = resolve_op_tensors(spec, 0, spec.input_shape)
    assert set(tensors) == {"weight"}
    assert np.array_equal(tensors["weight"], weight)


@pytest.mark.parametrize(
    ("padding", "explicit", "out_hw"),
    [
        ("same", (1, 1, 1, 1), (7, 7)),
        ("valid", (0, 0, 0, 0), (5, 5)),
        ("2", (2, 2, 2, 2), (9, 9)),
        ("[1, 0]", (1, 1, 0, 0), (7, 5)),
    ],
)
def test_padding_forms(padding: str, explicit: tuple[int, ...], out_hw: tuple[int, int]) -> None:
    spec = loads(
        f"input: {{shape: [2, 7, 7]}}\n"
        f"ops: [{{type: conv2d, out_channels: 2, kernel_size: 3, padding: {padding}}}]"
    )
    op = spec.ops[0]
    assert op_def(op).padding(op) == explicit
    assert validate_chain(spec)[-1] == (1, 2, *out_hw)


def test_same_padding_with_an_even_kernel_is_asymmetric() -> None:
    spec = loads(
        "input: {shape: [1, 6, 6]}\n"
        "ops: [{type: conv2d, out_channels: 1, kernel_size: [2, 4], padding: same}]"
    )
    assert op_def(spec.ops[0]).padding(spec.ops[0]) == (0, 1, 1, 2)
    assert validate_chain(spec)[-1] == (1, 1, 6, 6)


def test_kernel_and_stride_int_or_pair() -> None:
    spec = loads(
        "input: {shape: [1, 9, 11]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 1, kernel_size: [1, 3], stride: [1, 2]}\n"
        "  - {type: conv2d, out_channels: 1, kernel_size: 3, stride: 2, dilation: [1, 2]}\n"
    )
    a, b = spec.ops
    assert (a.kernel_size, a.stride) == ((1, 3), (1, 2))
    assert (b.kernel_size, b.stride, b.dilation) == ((3, 3), (2, 2), (1, 2))
    assert validate_chain(spec) == ((1, 1, 9, 11), (1, 1, 9, 5), (1, 1, 4, 1))


def test_bias_forms() -> None:
    def tensors(bias: str) -> dict[str, np.ndarray]:
        spec = loads(
            "input: {shape: [2, 4, 4]}\n"
            f"ops: [{{type: conv2d, out_channels: 3, kernel_size: 3, bias: {bias}}}]"
        )
        return resolve_op_tensors(spec, 0, spec.input_shape)

    assert "bias" not in tensors("false")
    random_bias = tensors("true")["bias"]
    assert random_bias.shape == (3,)
    bound = 1 / math.sqrt(2 * 3 * 3)
    assert np.all(np.abs(random_bias) <= bound)
    assert np.array_equal(tensors("[0.5, -1, 2]")["bias"], np.array([0.5, -1.0, 2.0]))


def test_random_weights_use_pytorch_default_bound_and_layout() -> None:
    torch = pytest.importorskip("torch")
    spec = loads(
        "input: {shape: [6, 8, 8]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 4, kernel_size: [3, 2], groups: 2}\n"
        "  - {type: conv_transpose2d, out_channels: 6, kernel_size: 3, groups: 2, stride: 2}\n"
    )
    chain = validate_chain(spec)
    conv = torch.nn.Conv2d(6, 4, (3, 2), groups=2)
    convt = torch.nn.ConvTranspose2d(4, 6, 3, groups=2, stride=2)
    for index, module in enumerate((conv, convt)):
        tensors = resolve_op_tensors(spec, index, chain[index])
        assert tensors["weight"].shape == tuple(module.weight.shape)
        assert tensors["bias"].shape == tuple(module.bias.shape)
        fan_in = math.prod(module.weight.shape[1:])
        assert np.abs(tensors["weight"]).max() <= 1 / math.sqrt(fan_in)


def test_seeding_is_deterministic_and_documented() -> None:
    text = (
        "input: {shape: [2, 5, 5], seed: SEED}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 3, kernel_size: 3}\n"
        "  - {type: conv2d, out_channels: 2, kernel_size: 1}\n"
    )
    a = loads(text.replace("SEED", "7"))
    b = loads(text.replace("SEED", "7"))
    c = loads(text.replace("SEED", "8"))
    assert np.array_equal(resolve_input(a), resolve_input(b))
    assert not np.array_equal(resolve_input(a), resolve_input(c))
    wa = resolve_op_tensors(a, 1, (1, 3, 3, 3))
    wb = resolve_op_tensors(b, 1, (1, 3, 3, 3))
    wc = resolve_op_tensors(c, 1, (1, 3, 3, 3))
    assert np.array_equal(wa["weight"], wb["weight"]) and np.array_equal(wa["bias"], wb["bias"])
    assert not np.array_equal(wa["weight"], wc["weight"])
    # the stream is np.random.default_rng([seed, op_index + 1, field_id]) as documented
    assert rng_key(7, 1, "weight") == (7, 2, 1)
    expected = np.random.default_rng([7, 2, 1]).uniform(
        -1 / math.sqrt(3), 1 / math.sqrt(3), (2, 3, 1, 1)
    )
    assert np.array_equal(wa["weight"], expected)
    assert np.array_equal(
        resolve_input(a), np.random.default_rng([7, 0, 0]).uniform(-1, 1, (1, 2, 5, 5))
    )


def test_changing_one_op_keeps_the_numbers_of_the_others() -> None:
    base = "input: {shape: [2, 5, 5]}\nops:\n  - {type: conv2d, out_channels: 3, kernel_size: 3}\n"
    a = loads(base + "  - {type: conv2d, out_channels: 2, kernel_size: 1}\n")
    b = loads(base + "  - {type: conv2d, out_channels: 5, kernel_size: 3, padding: 1}\n")
    ta = resolve_op_tensors(a, 0, a.input_shape)
    tb = resolve_op_tensors(b, 0, b.input_shape)
    assert np.array_equal(ta["weight"], tb["weight"])
    assert np.array_equal(resolve_input(a), resolve_input(b))


def test_every_op_type_with_defaults_and_tensor_layouts() -> None:
    spec = loads(
        "input: {shape: [8, 9, 9]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 8, kernel_size: 1, groups: 2}\n"
        "  - {type: channel_shuffle, groups: 2}\n"
        "  - {type: max_pool2d, kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}\n"
        "  - {type: avg_pool2d, kernel_size: 2, count_include_pad: false}\n"
        "  - {type: deform_conv2d, out_channels: 4, kernel_size: 3, padding: 1, "
        "offset_groups: 2, mask: random}\n"
        "  - {type: squeeze_excitation, reduction: 2}\n"
    )
    chain = validate_chain(spec)
    assert chain == (
        (1, 8, 9, 9),
        (1, 8, 9, 9),
        (1, 8, 9, 9),
        (1, 8, 5, 5),
        (1, 8, 2, 2),
        (1, 4, 2, 2),
        (1, 4, 2, 2),
    )
    assert spec.ops[2].stride == (2, 2) and spec.ops[3].stride is None
    deform = {r.field: r.shape for r in tensor_requests(spec.ops[4], chain[4])}
    assert deform == {
        "weight": (4, 8, 3, 3),
        "bias": (4,),
        "offset": (1, 36, 2, 2),
        "mask": (1, 18, 2, 2),
    }
    se = {r.field: r.shape for r in tensor_requests(spec.ops[5], chain[5])}
    assert se == {"fc1_weight": (2, 4), "fc1_bias": (2,), "fc2_weight": (4, 2), "fc2_bias": (4,)}
    mask = resolve_op_tensors(spec, 4, chain[4])["mask"]
    assert mask.min() >= 0 and mask.max() <= 1
    assert tensor_requests(spec.ops[2], chain[2]) == ()


def test_positions_and_merge_keys() -> None:
    text = (
        "input:\n"
        "  shape: [4, 6, 6]\n"
        "ops:\n"
        "  - &conv {type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}\n"
        "  - <<: *conv\n"
        "    groups: 4\n"
        "    learning: 1e-3\n"
    )
    with pytest.raises(SpecError) as info:
        loads(text, "m.yaml")
    assert str(info.value).startswith("m.yaml:7:5: ops[1].learning: unknown key 'learning'")
    spec = loads(text.replace("    learning: 1e-3\n", ""), "m.yaml")
    assert spec.ops[1].groups == 4 and spec.ops[1].padding == (1, 1)
    assert spec.source.locate(("input", "shape")) == (2, 10)
    assert spec.source.locate(("ops", 1, "groups")) == (6, 13)
    assert spec.source.locate(("ops", 1, "groups"), key=True) == (6, 5)
    # a default that was never written points at the nearest written ancestor
    assert spec.source.locate(("ops", 1, "dilation")) == (5, 5)


def test_yaml_details() -> None:
    spec = loads(
        "title: 标准卷积 2024-01-01\n"
        "input: {shape: [1, 3, 3], values: [[[1e-3, 2.5, 3], [4, 5, 6], [7, 8, 9]]]}\n"
        + "ops: [{type: avg_pool2d, kernel_size: 3}]\n"
        + "camera: {phi: 70, zoom: 1.5}\n"
    )
    assert spec.title == "标准卷积 2024-01-01"
    assert resolve_input(spec)[0, 0, 0, 0] == 0.001
    assert spec.camera.phi == 70.0 and spec.camera.theta == -58.0


def test_models_are_frozen_and_source_is_not_serialised() -> None:
    spec = load(SCENES / "standard_conv.yaml")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        spec.title = "x"  # type: ignore[misc]
    dumped = spec.model_dump()
    assert "source" not in dumped and "_source" not in dumped
    assert SceneSpec.model_validate(dumped).ops == spec.ops
    schema = SceneSpec.model_json_schema()
    assert "source" not in schema["properties"]
    for name, model in schema["$defs"].items():
        for key, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"
