"""``animation.view: matrix``: the matrix M of conv2d / conv_transpose2d, its JSON, its limits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.engine import plan
from convanim.engine.matrix import bias_vector, matrix_of
from convanim.errors import SpecError
from convanim.spec import loads
from convanim.spec.matrix_view import (
    DECIMAL_CELL,
    MAX_COLUMNS,
    MAX_ROWS,
    matrix_picture,
    matrix_view_types,
)
from convanim.spec.ops import OP_DEFS

# Specs of every geometry M must follow: stride, padding (named and asymmetric), dilation,
# groups, several channels, a batch, output_padding.
ENGINE_SPECS = {
    "conv2d_textbook": (
        "input: {shape: [1, 4, 4]}\nops: [{type: conv2d, out_channels: 1, kernel_size: 3}]"
    ),
    "conv2d_groups": (
        "input: {shape: [2, 4, 7, 6], seed: 3}\n"
        "ops: [{type: conv2d, out_channels: 6, kernel_size: [3, 2], stride: [2, 1],"
        " padding: [1, 2], dilation: [1, 2], groups: 2}]"
    ),
    "conv2d_same": (
        "input: {shape: [3, 5, 6]}\n"
        "ops: [{type: conv2d, out_channels: 2, kernel_size: 4, padding: same, bias: false}]"
    ),
    "conv_transpose2d_stride2": (
        "input: {shape: [1, 2, 2]}\n"
        "ops: [{type: conv_transpose2d, out_channels: 1, kernel_size: 3, stride: 2, padding: 1,"
        " output_padding: 1}]"
    ),
    "conv_transpose2d_groups": (
        "input: {shape: [2, 4, 3, 4], seed: 1}\n"
        "ops: [{type: conv_transpose2d, out_channels: 6, kernel_size: [3, 2], stride: [2, 3],"
        " padding: [1, 0], output_padding: [1, 2], dilation: [1, 2], groups: 2}]"
    ),
}


def _jacobian(op_result) -> np.ndarray:  # noqa: ANN001
    """d out[0] / d in[0] with PyTorch, flattened to (outputs, inputs)."""
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    spec = op_result.spec
    w = torch.tensor(np.asarray(op_result.weight))
    x0 = torch.tensor(np.asarray(op_result.input[:1]))
    if OP_DEFS[spec.type].steps_over_input:

        def fn(x):  # noqa: ANN001, ANN202
            return f.conv_transpose2d(
                x, w, None, spec.stride, spec.padding, spec.output_padding, spec.groups,
                spec.dilation,
            )  # fmt: skip
    else:
        padding = spec.padding

        def fn(x):  # noqa: ANN001, ANN202
            return f.conv2d(x, w, None, spec.stride, padding, spec.dilation, spec.groups)

    jac = torch.autograd.functional.jacobian(fn, x0)
    out_count = int(np.prod(op_result.output.shape[1:]))
    in_count = int(np.prod(op_result.input.shape[1:]))
    return jac.reshape(out_count, in_count).numpy()


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@pytest.mark.parametrize("name", sorted(ENGINE_SPECS))
def test_matrix_is_the_torch_jacobian(name: str) -> None:
    (op,) = plan(loads(ENGINE_SPECS[name])).ops
    m = matrix_of(op)
    np.testing.assert_allclose(m, _jacobian(op), atol=1e-12)
    # ... and it computes the op: out[n].ravel() = M · in[n].ravel() + bias, every sample.
    for n in range(op.input.shape[0]):
        want = op.output[n].ravel()
        np.testing.assert_allclose(m @ op.input[n].ravel() + bias_vector(op), want, atol=1e-12)


def test_textbook_matrix_is_the_sparse_4x16_c() -> None:
    """d2l's picture: row i holds the 3×3 kernel at window i of the 4×4 input, zeros elsewhere."""
    text = (
        "input: {shape: [1, 4, 4]}\n"
        "ops: [{type: conv2d, out_channels: 1, kernel_size: 3, bias: false,"
        " weight: [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]}]"
    )
    m = matrix_of(plan(loads(text)).ops[0])
    assert m.shape == (4, 16)
    assert m[0].tolist() == [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    assert m[3].tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9]
    transposed = text.replace("conv2d", "conv_transpose2d").replace("[1, 4, 4]", "[1, 2, 2]")
    mt = matrix_of(plan(loads(transposed)).ops[0])
    np.testing.assert_array_equal(mt, m.T)  # the transposed conv's M is Cᵀ


def _inspect(tmp_path: Path, text: str) -> tuple[int, str]:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["inspect", "--json", "--values", str(path)])
    return result.exit_code, result.output


@pytest.mark.torch
def test_inspect_json_values_lists_the_matrix_of_every_op(tmp_path: Path) -> None:
    text = (
        "input: {shape: [2, 1, 4, 4], seed: 4}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 1, kernel_size: 3}\n"
        "  - {type: conv_transpose2d, out_channels: 1, kernel_size: 3}\n"
        "  - {type: conv2d, out_channels: 2, kernel_size: 2, stride: 2, padding: 1}\n"
        "animation: {view: matrix}\n"
    )
    code, out = _inspect(tmp_path, text)
    assert code == 0, out
    data = json.loads(out)
    for op, result in zip(data["ops"], plan(loads(text)).ops, strict=True):
        m = np.array(op["matrix"])
        np.testing.assert_allclose(m, _jacobian(result), atol=1e-12)
        x = np.array(data["input"]["values"]) if op["index"] == 0 else None
        if x is not None:
            y = np.array(op["output"])
            for n in range(2):
                got = m @ x[n].ravel() + np.repeat(op["bias"], y[n][0].size)
                np.testing.assert_allclose(got, y[n].ravel(), atol=1e-12)
    # without view: matrix there is no matrix
    code, out = _inspect(tmp_path, text.replace("animation: {view: matrix}\n", ""))
    assert code == 0 and all("matrix" not in op for op in json.loads(out)["ops"])


def test_matrix_view_types_come_from_the_registry() -> None:
    assert set(matrix_view_types()) == {"conv2d", "conv_transpose2d"}


@pytest.mark.parametrize(
    ("shape", "ops", "expected"),
    [
        (
            1,
            "[{type: conv2d, out_channels: 1, kernel_size: 3}, {type: max_pool2d, kernel_size: 2}]",
            "ops[1].type: animation.view 'matrix' draws ops with a matrix form (conv2d, "
            "conv_transpose2d); ops[1] is max_pool2d, which has none: use animation.view: sliding",
        ),
        (
            1,
            "[{type: conv2d, out_channels: 1, kernel_size: 3, padding: 1}]",
            "animation.view: the matrix picture of ops[0] (conv2d: C 25×25 · x 25 = y 25) is 25 "
            f"cells high and 28 wide; the limit for numbers readable at 480p is "
            f"{MAX_ROWS} high and {MAX_COLUMNS} wide; use a smaller input or kernel, or "
            "animation.view: sliding",
        ),
        (
            2,
            "[{type: conv2d, out_channels: 2, kernel_size: 3}]",
            "the matrix picture of ops[0] (conv2d: F 2×18 · P 18×9 = Y 2×9) is 18 cells high",
        ),
        (
            2,
            "[{type: conv_transpose2d, out_channels: 2, kernel_size: 2}]",
            "animation.view: ops[0]: the matrix view draws conv_transpose2d with one input and "
            "one output channel (here 2 -> 2): use animation.view: sliding",
        ),
    ],
)
def test_matrix_view_refusals_are_located_and_clear(shape: int, ops: str, expected: str) -> None:
    text = f"input: {{shape: [{shape}, 5, 5]}}\nops: {ops}\nanimation:\n  view: matrix\n"
    with pytest.raises(SpecError) as err:
        loads(text, filename="s.yaml")
    message = str(err.value)
    assert message.startswith("s.yaml:")
    assert expected in message
    assert err.value.exit_code == 2


def test_matrix_limit_exits_2_from_the_cli(tmp_path: Path) -> None:
    code, out = _inspect(
        tmp_path,
        "input: {shape: [1, 6, 6]}\nops: [{type: conv2d, out_channels: 1, kernel_size: 3}]\n"
        "animation: {view: matrix}\n",
    )
    assert code == 2
    assert "36 cells high" in out and "view: sliding" in out


def test_pictures_of_the_three_kinds() -> None:
    spec = loads(
        "input: {shape: [3, 3, 3]}\nops: [{type: conv2d, out_channels: 2, kernel_size: 2}]"
    )
    op = spec.ops[0]
    picture = matrix_picture(op, (1, 3, 3, 3), (1, 2, 2, 2))
    assert (picture.kind, picture.rows, picture.columns) == ("im2col", 12, 12 + 8 + 2)
    dense = matrix_picture(op, (1, 1, 4, 4), (1, 1, 2, 2))
    assert (dense.kind, dense.rows, dense.columns) == ("dense", 16, 19)
    wide = matrix_picture(op, (1, 1, 4, 4), (1, 1, 2, 2), integers=False)
    assert wide.columns == pytest.approx(18 * DECIMAL_CELL + 1)


def test_random_values_count_as_decimal_cells() -> None:
    """The textbook picture fits with integer values; with random ones its C is too wide."""
    from convanim.storyboard import build

    ints = (
        "input: {shape: [1, 4, 4], values: [[[1, 2, 0, 1], [0, 1, 3, 2], [2, 0, 1, 0], "
        "[1, 3, 2, 1]]]}\nops: [{type: conv2d, out_channels: 1, kernel_size: 3, bias: false, "
        "weight: [[[[1, 0, 2], [0, 1, 0], [2, 0, 1]]]]}]\nanimation: {view: matrix}\n"
    )
    build(plan(loads(ints, filename="s.yaml")))
    random = loads(ints.replace("bias: false", "bias: true"), filename="s.yaml")  # loads
    with pytest.raises(SpecError, match="numbers with decimals counting 2.85 cells") as err:
        build(plan(random))
    assert str(err.value).startswith("s.yaml:") and err.value.exit_code == 2


@pytest.mark.parametrize(
    "scene", ["matrix_conv.yaml", "matrix_transpose_stride2.yaml", "matrix_im2col.yaml"]
)
def test_matrix_numbers_are_12_px_at_480p(scene: str) -> None:
    """The numbers in the cells of every matrix scene are at least 12 px high at 854x480."""
    from convanim.renderer.manim import draw_matrix
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
    from convanim.spec import load
    from convanim.storyboard import build

    timeline = build(plan(load(Path(__file__).resolve().parent.parent / "scenes" / scene)))
    renderer = FrameRenderer(timeline, FrameFormat(854, 480, 15))
    folds = [e for e in timeline.events if e.kind == "matrix" and e.data["phase"] == "fold"]
    assert folds
    for event in folds:
        renderer.frame_at(event.start)
        drawer = renderer.drawers["matrix"]
        assert isinstance(drawer, draw_matrix.MatrixDrawer)
        pixels = draw_matrix.TEXT * drawer.scale * 480 / draw_matrix.FRAME_HEIGHT
        assert pixels >= 12.0, f"{scene}: numbers {pixels:.1f} px high"


def test_a_scene_of_whole_numbers_writes_them_without_decimals() -> None:
    """matrix_conv's numbers are all whole: its blocks and colour bar read ``1``, as its matrices
    do, not ``1.00``; a scene with one decimal value anywhere keeps two decimals everywhere."""
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
    from convanim.spec import load
    from convanim.storyboard import build
    from convanim.storyboard.common import fmt_value

    scenes = Path(__file__).resolve().parent.parent / "scenes"
    whole = build(plan(load(scenes / "matrix_conv.yaml")))
    assert whole.view.whole_numbers
    renderer = FrameRenderer(whole, FrameFormat(1280, 720, 30))  # cells big enough for numbers
    fold = next(e for e in whole.events if e.kind == "matrix" and e.data["phase"] == "fold")
    names = {item.name for item in renderer.items_at(fold.start + fold.duration)}
    assert {"text '1'", "text '3'"} <= names, sorted(names)
    assert not [n for n in names if n.endswith(".00'")], sorted(names)
    assert fmt_value(3.0) == "3.00"  # outside a render, nothing leaks

    decimal = build(plan(loads(
        "input: {shape: [1, 4, 4], values: [[[1, 2, 0, 1], [0, 1, 3, 2], [2, 0, 1, 0], "
        "[1, 3, 2, 1]]]}\nops: [{type: conv2d, out_channels: 1, kernel_size: 3, "
        "bias: [0.5], weight: [[[[1, 0, 2], [0, 1, 0], [2, 0, 1]]]]}]\n"
        "animation: {show_values: true}\n",
        filename="s.yaml",
    )))  # fmt: skip
    assert not decimal.view.whole_numbers
    renderer = FrameRenderer(decimal, FrameFormat(854, 480, 15))
    names = {item.name for item in renderer.items_at(decimal.duration)}
    assert "text '1.00'" in names, sorted(names)
