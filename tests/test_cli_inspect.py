"""``convanim inspect``: text and JSON output, exit codes, the error policy, and a torch check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim import cli
from convanim.engine.report import CONVENTION

ROOT = Path(__file__).resolve().parent.parent

STANDARD = """\
title: Standard convolution
input: {shape: [8, 7, 7]}
ops:
  - {type: conv2d, out_channels: 8, kernel_size: 3}
"""

EVERY_OP = """\
input: {shape: [4, 8, 8]}
ops:
  - {type: conv2d, out_channels: 6, kernel_size: 3, padding: 1, groups: 2}
  - {type: max_pool2d, kernel_size: 2, ceil_mode: true}
  - {type: channel_shuffle, groups: 3}
  - {type: squeeze_excitation, reduction: 3}
  - {type: conv_transpose2d, out_channels: 2, kernel_size: 3, stride: 2}
  - {type: deform_conv2d, out_channels: 2, kernel_size: 3, mask: random}
"""

BAD_GROUPS = """\
input: {shape: [8, 7, 7]}
ops:
  - type: conv2d
    out_channels: 8
    kernel_size: 3
    groups: 3
"""

ARRAY_KEYS = {"weight", "bias", "output"}


def write(tmp_path: Path, text: str, name: str = "scene.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args), prog_name="convanim")
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------


def test_text_report_of_the_standard_conv(tmp_path: Path) -> None:
    code, out, err = invoke("inspect", str(write(tmp_path, STANDARD)))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Standard convolution"
    assert "input 1x8x7x7  (N, C, H, W)" in lines
    header = "batch  height  width  in_channel  out_channel"
    assert any(line.strip() == header for line in lines)
    assert "    Input       1       7      7           8            -" in lines
    assert "    Kernel      -       3      3           8            8" in lines
    assert "    Output      1       5      5           -            8" in lines
    assert "    H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5" in lines
    assert "    params 584   MACs 14,400   FLOPs 28,800" in lines
    assert any(line.strip().startswith("receptive field 3x3") for line in lines)
    assert "total (1 op, 1x8x7x7 -> 1x8x5x5)" in lines
    assert " ".join(" ".join(lines).split()).count(CONVENTION) == 1
    assert all(len(line) <= 80 for line in lines)


def test_text_report_of_every_op_fits_80_columns(tmp_path: Path) -> None:
    code, out, _ = invoke("inspect", str(write(tmp_path, EVERY_OP)))
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    for i, kind in enumerate(
        [
            "conv2d",
            "max_pool2d",
            "channel_shuffle",
            "squeeze_excitation",
            "conv_transpose2d",
            "deform_conv2d",
        ]
    ):
        assert any(line.startswith(f"[{i}] {kind}") for line in lines)
    assert "    H_out = (4 - 1)*2 - 2*0 + 1*(3-1) + 0 + 1 = 9" in lines
    assert "    receptive field 8x8 = the whole input  (jump 2x2, centre of output 0 at" in out
    assert "[1] max_pool2d  kernel_size=2x2 stride=2 padding=0 dilation=1 ceil_mode=true" in lines
    assert lines.count("    Input       1       8      8           4            -") == 1


def test_text_report_names_bias_only_where_it_may_be_left_out(tmp_path: Path) -> None:
    """Batch norm's shift is always there: its line shows eps, not a ``bias=`` switch."""
    spec = """
input: {shape: [1, 2, 4, 4]}
ops:
  - {type: conv2d, out_channels: 2, kernel_size: 3, padding: 1, bias: false}
  - {type: batch_norm2d}
  - {type: flatten}
  - {type: linear, out_features: 3}
"""
    code, out, err = invoke("inspect", str(write(tmp_path, spec)))
    assert code == 0, err
    titles = [line for line in out.splitlines() if line.startswith("[")]
    assert "    groups=1 bias=false" in out.splitlines()  # the conv's title, wrapped
    assert titles[1] == "[1] batch_norm2d  eps=1e-05"
    assert titles[3] == "[3] linear  out_features=3 bias=true"


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def test_json_without_values(tmp_path: Path) -> None:
    code, out, _ = invoke("inspect", "--json", str(write(tmp_path, EVERY_OP)))
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"input", "ops", "total"}
    assert data["input"] == {"shape": [1, 4, 8, 8]}
    assert set(data["total"]) == {"params", "macs", "flops"}
    assert len(data["ops"]) == 6
    for i, op in enumerate(data["ops"]):
        assert op["index"] == i
        assert not ARRAY_KEYS & set(op)
        assert {"type", "input_shape", "output_shape", "params", "macs", "flops"} <= set(op)
        assert {"formula", "receptive_field"} <= set(op)
        assert set(op["receptive_field"]) == {"size", "jump", "start"}
        assert len(op["input_shape"]) == 4 and len(op["output_shape"]) == 4
        assert op["flops"] == 2 * op["macs"]
    assert data["total"]["params"] == sum(op["params"] for op in data["ops"])
    conv, pool, shuffle = data["ops"][:3]
    assert conv["kernel_size"] == [3, 3] and conv["groups"] == 2 and conv["has_bias"] is True
    assert conv["padding_sides"] == [1, 1, 1, 1]
    assert pool["stride"] == [2, 2] and "indices" not in pool
    assert shuffle["perm"] == [0, 2, 4, 1, 3, 5]
    assert data["ops"][4]["output_shape"] == [1, 2, 9, 9]


def test_json_with_values(tmp_path: Path) -> None:
    code, out, _ = invoke("inspect", "--json", "--values", str(write(tmp_path, EVERY_OP)))
    assert code == 0
    data = json.loads(out)
    assert np.array(data["input"]["values"]).shape == (1, 4, 8, 8)
    conv, pool, shuffle, se, tconv, deform = data["ops"]
    for op in data["ops"]:
        assert set(op) >= ARRAY_KEYS
        assert list(np.array(op["output"]).shape) == op["output_shape"]
    assert np.array(conv["weight"]).shape == (6, 2, 3, 3)
    assert np.array(conv["bias"]).shape == (6,)
    assert pool["weight"] is None and pool["bias"] is None
    assert np.array(pool["indices"]).shape == (1, 6, 4, 4)
    assert np.array(se["scale"]).shape == (1, 6)
    assert np.array(se["fc1_weight"]).shape == (2, 6)
    assert np.array(tconv["weight"]).shape == (6, 2, 3, 3)
    assert np.array(deform["offset"]).shape == (1, 18, 7, 7)
    assert np.array(deform["mask"]).shape == (1, 9, 7, 7)
    # SE scales its input (the shuffle's output) channel by channel
    scaled = np.array(shuffle["output"]) * np.array(se["scale"])[:, :, None, None]
    np.testing.assert_allclose(np.array(se["output"]), scaled, rtol=0, atol=1e-15)
    # the shuffle moved the pooled channels by its permutation
    np.testing.assert_array_equal(
        np.array(shuffle["output"]), np.array(pool["output"])[:, shuffle["perm"]]
    )


# ---------------------------------------------------------------------------------------------
# exit codes and messages
# ---------------------------------------------------------------------------------------------


def test_bad_spec_exits_2_with_one_clean_message(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_GROUPS, "bad.yaml")
    code, out, err = invoke("inspect", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith(f"convanim: error: {path}:6:")
    assert "ops[0].groups" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_bad_options_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("inspect", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert err == f"convanim: error: {tmp_path / 'nope.yaml'}: file not found\n"
    code, _, err = invoke("inspect", "--frobnicate", "x.yaml")
    assert code == 2 and "No such option" in err
    code, _, _ = invoke("inspect")
    assert code == 2


def test_internal_errors_exit_1_in_one_line(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import convanim.engine

    def boom(spec):  # noqa: ANN001, ANN202
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(convanim.engine, "plan", boom)
    path = str(write(tmp_path, STANDARD))
    monkeypatch.delenv("CONVANIM_DEBUG", raising=False)
    code, _, err = invoke("inspect", path)
    assert code == 1
    assert err == (
        "convanim: internal error: RuntimeError: boom second line "
        "(set CONVANIM_DEBUG=1 for the traceback)\n"
    )
    monkeypatch.setenv("CONVANIM_DEBUG", "1")
    code, _, err = invoke("inspect", path)
    assert code == 1
    assert "Traceback" in err and err.endswith(
        "convanim: internal error: RuntimeError: boom second line\n"
    )


def test_version_and_help() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out.startswith("convanim ")
    code, out, _ = invoke("inspect", "--help")
    assert code == 0
    assert out.startswith("Usage: convanim inspect [OPTIONS] SPEC\n")
    assert "--json" in out and "--values" in out


def test_python_dash_m_convanim(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    good = subprocess.run(
        [sys.executable, "-m", "convanim", "inspect", "--json", str(write(tmp_path, STANDARD))],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert data["total"] == {"params": 584, "macs": 14400, "flops": 28800}
    bad = subprocess.run(
        [sys.executable, "-m", "convanim", "inspect", str(write(tmp_path, BAD_GROUPS, "b.yaml"))],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == "" and bad.stderr.startswith("convanim: error: ")


# ---------------------------------------------------------------------------------------------
# the product check: inspect --json --values against torch.nn.functional
# ---------------------------------------------------------------------------------------------

TORCH_SPECS = {
    "conv2d": (
        "input: {shape: [2, 4, 9, 8], seed: 5}\n"
        "ops: [{type: conv2d, out_channels: 6, kernel_size: [3, 2], stride: [2, 1],"
        " padding: [1, 2], dilation: [1, 2], groups: 2}]",
        lambda f, x, op: f.conv2d(x, op["w"], op["b"], (2, 1), (1, 2), (1, 2), 2),
    ),
    "conv2d_same": (
        "input: {shape: [3, 6, 7]}\n"
        "ops: [{type: conv2d, out_channels: 2, kernel_size: 4, padding: same, bias: false}]",
        lambda f, x, op: f.conv2d(x, op["w"], None, padding="same"),
    ),
    "conv_transpose2d": (
        "input: {shape: [4, 3, 4]}\n"
        "ops: [{type: conv_transpose2d, out_channels: 4, kernel_size: 3, stride: 2, padding: 1,"
        " output_padding: 1, groups: 2, dilation: 1}]",
        lambda f, x, op: f.conv_transpose2d(x, op["w"], op["b"], 2, 1, 1, 2),
    ),
    "conv3d": (
        "input: {shape: [2, 4, 5, 5]}\n"
        "ops: [{type: conv3d, out_channels: 3, kernel_size: [2, 3, 3], padding: [1, 0, 1]}]",
        lambda f, x, op: f.conv3d(x, op["w"], op["b"], 1, (1, 0, 1)),
    ),
    "max_pool2d": (
        "input: {shape: [3, 7, 7]}\n"
        "ops: [{type: max_pool2d, kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}]",
        lambda f, x, op: f.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    ),
    "avg_pool2d": (
        "input: {shape: [3, 7, 7]}\n"
        "ops: [{type: avg_pool2d, kernel_size: 3, stride: 2, padding: 1,"
        " count_include_pad: false, ceil_mode: true}]",
        lambda f, x, op: f.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    ),
}


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@pytest.mark.parametrize("name", sorted(TORCH_SPECS))
def test_inspect_values_match_torch(tmp_path: Path, name: str) -> None:
    torch = pytest.importorskip("torch")
    text, reference = TORCH_SPECS[name]
    code, out, err = invoke("inspect", "--json", "--values", str(write(tmp_path, text)))
    assert code == 0, err
    data = json.loads(out)
    (op,) = data["ops"]

    def t(v):  # noqa: ANN001, ANN202
        return None if v is None else torch.tensor(v, dtype=torch.float64)

    x = t(data["input"]["values"])
    want = reference(torch.nn.functional, x, {"w": t(op["weight"]), "b": t(op["bias"])})
    assert list(want.shape) == op["output_shape"]
    np.testing.assert_allclose(np.array(op["output"]), want.numpy(), atol=1e-5)


@pytest.mark.torch
def test_inspect_values_of_a_chain_match_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    text = (
        "input: {shape: [6, 6, 6], seed: 2}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 6, kernel_size: 1, groups: 3}\n"
        "  - {type: channel_shuffle, groups: 3}\n"
        "  - {type: conv2d, out_channels: 6, kernel_size: 3, padding: 1, groups: 6}\n"
        "  - {type: squeeze_excitation, reduction: 2}\n"
    )
    code, out, _ = invoke("inspect", "--json", "--values", str(write(tmp_path, text)))
    assert code == 0
    data = json.loads(out)

    def t(v):  # noqa: ANN001, ANN202
        return None if v is None else torch.tensor(v, dtype=torch.float64)

    pw, shuffle, dw, se = data["ops"]
    x = f.conv2d(t(data["input"]["values"]), t(pw["weight"]), t(pw["bias"]), groups=3)
    np.testing.assert_allclose(np.array(pw["output"]), x.numpy(), atol=1e-5)
    x = torch.nn.ChannelShuffle(3)(x)
    np.testing.assert_allclose(np.array(shuffle["output"]), x.numpy(), atol=1e-5)
    x = f.conv2d(x, t(dw["weight"]), t(dw["bias"]), padding=1, groups=6)
    np.testing.assert_allclose(np.array(dw["output"]), x.numpy(), atol=1e-5)
    s = x.mean(dim=(2, 3))
    h = f.relu(f.linear(s, t(se["fc1_weight"]), t(se["fc1_bias"])))
    scale = torch.sigmoid(f.linear(h, t(se["fc2_weight"]), t(se["fc2_bias"])))
    np.testing.assert_allclose(np.array(se["scale"]), scale.numpy(), atol=1e-5)
    np.testing.assert_allclose(
        np.array(se["output"]), (x * scale[:, :, None, None]).numpy(), atol=1e-5
    )
