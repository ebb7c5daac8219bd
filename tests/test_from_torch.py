"""``convanim from-torch``: modules -> specs whose chain gives the module's output.

Each round trip exports a module from examples/models/, then runs ``convanim inspect --json
--values`` on the written spec and feeds the spec's input to the module: the last op's output must
equal the module's to 1e-5 (float32 module) and to 1e-7 (the same module in float64; the
biases are written as the shortest decimals of their float32 values, off by up to ~3e-8).
"""

from __future__ import annotations

import copy
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from convanim import cli

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def export(target: str, shape: str, out: Path, *extra: str) -> Result:
    result = run("from-torch", target, "--input-shape", shape, "-o", out, *extra)
    return result


def inspect_values(spec: Path) -> dict[str, Any]:
    result = run("inspect", spec, "--json", "--values")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def module_from(path: Path, name: str) -> Any:
    from convanim.importers.torch_source import build_module

    module = build_module(path, name)
    return module.eval()


def assert_reproduces(spec: Path, module: Any, *, ops: int | None = None) -> None:
    """The spec's chain output (``inspect --json --values``) equals ``module``'s output."""
    data = inspect_values(spec)
    if ops is not None:
        assert len(data["ops"]) == ops
    x = np.asarray(data["input"]["values"], dtype=np.float64)
    got = np.asarray(data["ops"][-1]["output"], dtype=np.float64)
    with torch.no_grad():
        single = module(torch.from_numpy(x).float()).numpy()
        double = copy.deepcopy(module).double()(torch.from_numpy(x)).numpy()
    assert got.shape == single.shape
    np.testing.assert_allclose(got, single, rtol=0, atol=1e-5)
    np.testing.assert_allclose(got, double, rtol=0, atol=1e-7)


def write_model(folder: Path, body: str, name: str = "model.py") -> Path:
    path = folder / name
    path.write_text("import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n")
    with path.open("a") as fh:
        fh.write(textwrap.dedent(body))
    return path


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------


def test_group_conv_shuffle_chain_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "g.yaml"
    result = export(f"{MODELS / 'shufflenet_block.py'}:GroupShuffleConv", "1,12,8,8", out)
    assert result.exit_code == 0, result.output
    assert "the spec reproduces the module" in result.output
    text = out.read_text()
    assert "type: channel_shuffle" in text
    weights = sorted(p.name for p in (tmp_path / "g_weights").iterdir())
    assert weights == ["00_reduce.weight.npy", "02_depthwise.weight.npy", "03_expand.weight.npy"]
    module = module_from(MODELS / "shufflenet_block.py", "GroupShuffleConv")
    np.testing.assert_array_equal(
        np.load(tmp_path / "g_weights" / "02_depthwise.weight.npy"),
        module.depthwise.weight.detach().numpy(),
    )
    assert_reproduces(out, module, ops=4)
    # nothing but the spec and its weights is left in the folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml", "g_weights"]


@pytest.mark.parametrize("name", ["LeNet5", "lenet5"])
def test_lenet5_with_batch_norm_round_trips(tmp_path: Path, name: str) -> None:
    out = tmp_path / "lenet.yaml"
    result = export(f"{MODELS / 'lenet.py'}:{name}", "1,1,32,32", out)
    assert result.exit_code == 0, result.output
    data = inspect_values(out)
    assert [op["type"] for op in data["ops"]] == [
        *["conv2d", "batch_norm2d", "relu", "max_pool2d"] * 2,
        *["flatten", "linear", "relu", "linear", "relu", "linear"],
    ]
    assert data["ops"][-1]["output_shape"] == [1, 10]
    module = module_from(MODELS / "lenet.py", name)
    bn = module.features[5]
    np.testing.assert_array_equal(
        np.load(tmp_path / "lenet_weights" / "05_features.5.running_var.npy"),
        bn.running_var.numpy(),
    )
    assert_reproduces(out, module)


def test_shufflenet_unit_stops_at_the_residual_add(tmp_path: Path) -> None:
    path = MODELS / "shufflenet_block.py"
    out = tmp_path / "unit.yaml"
    result = export(f"{path}:ShuffleUnit", "1,12,8,8", out)
    assert result.exit_code == 2
    assert "cannot export node 'add' (operator.add" in result.output
    assert "return torch.relu(super().forward(x) + x)" in result.output
    assert "--until expand_bn" in result.output
    result = export(f"{path}:ShuffleUnit", "1,12,8,8", out, "--until", "expand_bn")
    assert result.exit_code == 0, result.output
    # the unit's main path is ShuffleChain (same seed, same weights)
    assert_reproduces(out, module_from(path, "ShuffleChain"), ops=8)


def test_shufflenet_chain_round_trips(tmp_path: Path) -> None:
    path = MODELS / "shufflenet_block.py"
    out = tmp_path / "chain.yaml"
    result = export(f"{path}:ShuffleChain", "1,12,8,8", out)
    assert result.exit_code == 0, result.output
    data = inspect_values(out)
    assert [op["type"] for op in data["ops"]] == [
        "conv2d", "batch_norm2d", "relu", "channel_shuffle",
        "conv2d", "batch_norm2d", "conv2d", "batch_norm2d",
    ]  # fmt: skip
    assert_reproduces(out, module_from(path, "ShuffleChain"))


def test_functional_layers(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(0)
                self.conv = nn.Conv2d(2, 4, 3)
                self.fc = nn.Linear(12, 3, bias=False)

            def forward(self, x):
                x = torch.relu(self.conv(x))
                x = F.max_pool2d(x, kernel_size=(2, 1), stride=1, ceil_mode=True)
                x = F.avg_pool2d(x, (1, 2), 1, padding=(0, 1), count_include_pad=False)
                x = F.channel_shuffle(x, 2)
                x = x.flatten(1).relu()
                return F.relu(self.fc(x))

        class FlattenAll(nn.Module):
            def forward(self, x):
                return torch.flatten(x)
        """,
    )
    out = tmp_path / "net.yaml"
    result = export(f"{path}:Net", "1,2,4,4", out)
    assert result.exit_code == 0, result.output
    assert_reproduces(out, module_from(path, "Net"), ops=9)
    result = export(f"{path}:FlattenAll", "1,2,4,4", tmp_path / "f.yaml")
    assert result.exit_code == 2
    assert "start_dim=0, end_dim=-1: the spec's flatten keeps the batch" in result.output


def test_conv_bn_relu_example_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "cbr.yaml"
    result = export(f"{MODELS / 'conv_bn_relu.py'}:ConvBnRelu", "1,3,6,6", out)
    assert result.exit_code == 0, result.output
    assert_reproduces(out, module_from(MODELS / "conv_bn_relu.py", "ConvBnRelu"), ops=3)


def test_until_stops_after_the_named_layer(tmp_path: Path) -> None:
    out = tmp_path / "g.yaml"
    path = MODELS / "shufflenet_block.py"
    result = export(f"{path}:GroupShuffleConv", "1,12,8,8", out, "--until", "depthwise")
    assert result.exit_code == 0, result.output
    data = inspect_values(out)
    assert [op["type"] for op in data["ops"]] == ["conv2d", "channel_shuffle", "conv2d"]
    module = module_from(path, "GroupShuffleConv")
    x = torch.from_numpy(np.asarray(data["input"]["values"])).float()
    with torch.no_grad():
        expected = module.depthwise(module.shuffle(module.reduce(x))).numpy()
    np.testing.assert_allclose(data["ops"][-1]["output"], expected, rtol=0, atol=1e-5)


def test_until_unknown_lists_the_layers(tmp_path: Path) -> None:
    result = export(
        f"{MODELS / 'shufflenet_block.py'}:GroupShuffleConv",
        "1,12,8,8",
        tmp_path / "g.yaml",
        "--until",
        "nope",
    )
    assert result.exit_code == 2
    assert "--until nope: no layer has that module path or node name" in result.output
    assert "reduce, shuffle, depthwise, expand" in result.output
    assert list(tmp_path.iterdir()) == []


def test_conv1d_conv3d_transpose_and_pools(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        class Flat(nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(0)
                self.a = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
                self.b = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
                self.c = nn.AvgPool2d(2, padding=1, count_include_pad=False)
                self.d = nn.Conv2d(3, 4, (3, 2), stride=(2, 1), dilation=(1, 2), padding="valid")

            def forward(self, x):
                return self.d(self.c(self.b(self.a(x))))

        class Line(nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(1)
                self.conv = nn.Conv1d(2, 4, 3, padding="same", bias=False)

            def forward(self, x):
                return self.conv(x)

        class Volume(nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(2)
                self.conv = nn.Conv3d(2, 2, 2, stride=(1, 2, 1), groups=2)

            def forward(self, x):
                return self.conv(x)
        """,
    )
    for name, shape in (("Flat", "1,2,5,6"), ("Line", "1,2,9"), ("Volume", "1,2,3,4,4")):
        out = tmp_path / f"{name.lower()}.yaml"
        result = export(f"{path}:{name}", shape, out)
        assert result.exit_code == 0, result.output
        assert_reproduces(out, module_from(path, name))


def test_function_returning_a_module_and_a_module_instance(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        def make():
            torch.manual_seed(0)
            return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Dropout(0.5), nn.MaxPool2d(2))

        model = make()
        """,
    )
    for name in ("make", "model"):
        out = tmp_path / f"{name}.yaml"
        result = export(f"{path}:{name}", "1,1,6,6", out)
        assert result.exit_code == 0, result.output
        assert "left out (no effect in eval mode): 1" in result.output
        assert_reproduces(out, module_from(path, name), ops=2)


def draw_digit(path: Path, size: int = 40) -> np.ndarray:
    """A grey '7' on black, saved as a PNG; returns its pixels."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(picture)
    draw.line([(8, 8), (32, 8), (16, 34)], fill=230, width=4)
    picture.save(path)
    return np.asarray(picture)


def test_input_image_outside_the_folder_is_copied(tmp_path: Path) -> None:
    picture = tmp_path / "digit.png"
    draw_digit(picture)
    out = tmp_path / "spec" / "lenet.yaml"
    result = export(
        f"{MODELS / 'lenet.py'}:LeNet5", "1,1,32,32", out, "--input-image", str(picture)
    )
    assert result.exit_code == 0, result.output
    assert "values: lenet_weights/input.png" in out.read_text()
    copied = tmp_path / "spec" / "lenet_weights" / "input.png"
    assert copied.read_bytes() == picture.read_bytes()
    data = inspect_values(out)
    x = np.asarray(data["input"]["values"])
    assert x.shape == (1, 1, 32, 32)
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.5  # the picture, scaled to [0, 1]
    assert_reproduces(out, module_from(MODELS / "lenet.py", "LeNet5"))


def test_input_image_inside_the_folder_is_referred_to(tmp_path: Path) -> None:
    (tmp_path / "pictures").mkdir()
    picture = tmp_path / "pictures" / "digit.png"
    draw_digit(picture, size=32)
    out = tmp_path / "net.yaml"
    target = f"{MODELS / 'lenet.py'}:LeNet5"
    result = export(target, "1,1,32,32", out, "--input-image", str(picture), "--until", "features")
    assert result.exit_code == 0, result.output
    assert "values: pictures/digit.png" in out.read_text()
    assert sorted(p.name for p in (tmp_path / "net_weights").iterdir())[-1] != "input.png"
    data = inspect_values(out)
    np.testing.assert_allclose(
        np.asarray(data["input"]["values"])[0, 0], np.asarray(draw_digit(picture, 32)) / 255.0
    )
    assert len(data["ops"]) == 8
    bad = export(target, "1,1,32,32", out, "--input-image", str(tmp_path / "net.yaml"))
    assert bad.exit_code == 2
    assert "expected a .png, .jpg or .jpeg picture" in bad.output


def test_default_output_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = f"{MODELS / 'shufflenet_block.py'}:GroupShuffleConv"
    result = run("from-torch", target, "--input-shape", "1,12,4,4")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "groupshuffleconv.yaml").is_file()
    assert (tmp_path / "groupshuffleconv_weights").is_dir()


def test_export_replaces_an_old_spec(tmp_path: Path) -> None:
    out = tmp_path / "g.yaml"
    target = f"{MODELS / 'shufflenet_block.py'}:GroupShuffleConv"
    assert export(target, "1,12,8,8", out).exit_code == 0
    assert export(target, "1,12,4,4", out, "--until", "shuffle").exit_code == 0
    data = inspect_values(out)
    assert data["input"]["shape"] == [1, 12, 4, 4]
    assert len(data["ops"]) == 2
    assert sorted(p.name for p in (tmp_path / "g_weights").iterdir()) == ["00_reduce.weight.npy"]


# ---------------------------------------------------------------------------------------------
# what stops an export
# ---------------------------------------------------------------------------------------------


RESIDUAL = """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.MaxPool2d(1))
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        y = self.conv(self.body(x))
        return y + x
"""


def test_unsupported_node_names_node_module_path_and_line(tmp_path: Path) -> None:
    path = write_model(tmp_path, RESIDUAL)
    out = tmp_path / "out" / "block.yaml"
    result = export(f"{path}:Block", "1,4,5,5", out)
    assert result.exit_code == 2, result.output
    message = result.output
    assert "cannot export node 'add' (operator.add, a Python operator such as +)" in message
    assert "in the top-level forward" in message
    line = path.read_text().splitlines().index("        return y + x") + 1
    assert f"model.py:{line}: " in message
    assert "    return y + x" in message
    assert "--until conv" in message
    assert "Traceback" not in message
    assert not out.exists()
    assert not out.parent.exists()  # stopped before anything was written
    # and the suggested --until works
    result = export(f"{path}:Block", "1,4,5,5", out, "--until", "conv")
    assert result.exit_code == 0, result.output
    module = module_from(path, "Block")
    data = inspect_values(out)
    x = torch.from_numpy(np.asarray(data["input"]["values"])).float()
    with torch.no_grad():
        expected = module.conv(module.body(x)).numpy()
    np.testing.assert_allclose(data["ops"][-1]["output"], expected, rtol=0, atol=1e-5)
    # --until a container stops after its last layer
    assert export(f"{path}:Block", "1,4,5,5", out, "--until", "body").exit_code == 0
    assert [op["type"] for op in inspect_values(out)["ops"]] == ["conv2d", "max_pool2d"]


def test_unsupported_module_inside_a_submodule(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sigmoid())

            def forward(self, x):
                return self.features(x)
        """,
    )
    result = export(f"{path}:Net", "1,1,5,5", tmp_path / "n.yaml")
    assert result.exit_code == 2
    assert "cannot export node 'features_1' (Sigmoid) in module path 'features.1'" in result.output
    assert "(Sigmoid) in module path 'features.1': not a layer convanim can draw" in result.output
    assert "    return self.features(x)" in result.output
    assert "--until features.0" in result.output


def test_unsupported_settings_and_branches(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        class Reflect(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")

            def forward(self, x):
                return self.conv(x)

        class Branch(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(1, 1, 1)
                self.b = nn.Conv2d(1, 1, 1)

            def forward(self, x):
                return torch.cat([self.a(x), self.b(x)], 1)

        class View(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 1, 1)

            def forward(self, x):
                return self.conv(x).view(-1)
        """,
    )
    cases = {
        "Reflect": "padding_mode='reflect': the spec pads with zeros only",
        "Branch": "node 'b' (Conv2d) in module path 'b': its input is not the previous layer's",
        "View": "cannot export node 'view' (Tensor.view)",
    }
    for name, expected in cases.items():
        result = export(f"{path}:{name}", "1,1,4,4", tmp_path / "x.yaml")
        assert result.exit_code == 2, (name, result.output)
        assert expected in result.output, (name, result.output)
    assert (
        "It is the first layer: there is nothing before it"
        in export(f"{path}:Reflect", "1,1,4,4", tmp_path / "x.yaml").output
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("examples/models/lenet.py", "expected FILE.py:NAME"),
        ("nowhere.py:Net", "file 'nowhere.py' not found"),
        ("README.md:Net", "is not a Python file (.py)"),
        ("{model}:1abc", "'1abc' is not a Python name"),
        ("{model}:Missing", "defines no 'Missing'; it defines Net, helper, make_number"),
        ("{model}:CONSTANT", "CONSTANT is a int, not a torch.nn.Module class"),
        ("{model}:Plain", "Plain is a class but not a torch.nn.Module subclass"),
        ("{model}:make_number", "make_number() returned a int, not a torch.nn.Module"),
        ("{model}:helper", "helper cannot be called with no arguments"),
        ("{model}:Net", "the module fails on an input of shape [1, 2, 4, 4]"),
        ("{broken}:Net", "broken.py:3: running"),
    ],
)
def test_bad_targets(tmp_path: Path, target: str, expected: str) -> None:
    model = write_model(
        tmp_path,
        """
        CONSTANT = 3

        class Plain:
            pass

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 1, 1)

            def forward(self, x):
                return self.conv(x)

        def make_number():
            return 4

        def helper(size):
            return nn.Conv2d(size, size, 1)
        """,
    )
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\n\nraise RuntimeError('boom')\n")
    name = target.format(model=model, broken=broken)
    result = CliRunner().invoke(
        cli.main, ["from-torch", name, "--input-shape", "1,2,4,4", "-o", str(tmp_path / "o.yaml")]
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.yaml").exists()


def test_bad_input_shape() -> None:
    result = run("from-torch", "x.py:Net", "--input-shape", "1,a,3")
    assert result.exit_code == 2
    assert "expected sizes like 1,3,32,32" in result.output


def test_without_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    result = run(
        "from-torch", f"{MODELS / 'lenet.py'}:LeNet5", "--input-shape", "1,1,32,32", "-o", "x.yaml"
    )
    assert result.exit_code == 2
    assert "from-torch needs PyTorch" in result.output
    assert "pip install 'convanim[torch]'" in result.output


def test_a_spec_that_does_not_reproduce_the_module_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convanim.importers import export

    out = tmp_path / "g.yaml"
    target = f"{MODELS / 'shufflenet_block.py'}:GroupShuffleConv"
    assert run("from-torch", target, "--input-shape", "1,12,8,8", "-o", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in [out, *(tmp_path / "g_weights").iterdir()]}
    monkeypatch.setattr(export, "TOLERANCE", -1.0)  # every difference is now too large
    result = run("from-torch", target, "--input-shape", "1,12,4,4", "-o", out)
    assert result.exit_code == 1
    assert "ops[0] (reduce): the spec's output differs from the module's" in result.output
    assert "the export is not written" in result.output
    after = {p.name: p.read_bytes() for p in [out, *(tmp_path / "g_weights").iterdir()]}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml", "g_weights"]  # no staging left


def _export_scenes_tool() -> Any:
    """tools/export_scenes.py as a module (its table of the scenes exported from PyTorch)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "export_scenes", ROOT / "tools" / "export_scenes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXPORT_SCENES = _export_scenes_tool()


@pytest.mark.parametrize("stem", sorted(EXPORT_SCENES.SCENES))
def test_committed_exported_scene_is_its_module(tmp_path: Path, stem: str) -> None:
    """Each scene tools/export_scenes.py writes (conv_bn_relu, the trained lenet_digit) still
    gives its module's output, and exporting the module again gives the same ops and weights."""
    target, shape, picture, _, _ = EXPORT_SCENES.SCENES[stem]
    file, name = target.split(":")
    scene = ROOT / "scenes" / f"{stem}.yaml"
    assert_reproduces(scene, module_from(ROOT / file, name))
    out = tmp_path / f"{stem}.yaml"
    copy = tmp_path / Path(picture).name
    copy.write_bytes((ROOT / picture).read_bytes())
    assert export(str(ROOT / target), shape, out, "--input-image", str(copy)).exit_code == 0
    fresh = sorted((tmp_path / f"{stem}_weights").iterdir())
    committed = sorted((ROOT / "scenes" / f"{stem}_weights").iterdir())
    assert [p.name for p in fresh] == [p.name for p in committed]
    for new, old in zip(fresh, committed, strict=True):
        np.testing.assert_array_equal(np.load(new), np.load(old))
    body = [line for line in out.read_text().splitlines() if not line.startswith(("#", "title"))]
    committed_body = [
        line for line in scene.read_text().splitlines() if not line.startswith(("#", "title"))
    ]
    assert committed_body == [*body, *EXPORT_SCENES.EXTRA.get(stem, ())]


def test_concatenation_is_named_as_unsupported(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        """
        class Cat(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(1, 1, 1)

            def forward(self, x):
                return torch.cat([self.a(x), x], 1)
        """,
    )
    result = export(f"{path}:Cat", "1,1,4,4", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert "cannot export node 'cat' (torch.cat) in the top-level forward: not a layer" in (
        result.output
    )
    assert "Export the layers before it with --until a." in result.output
