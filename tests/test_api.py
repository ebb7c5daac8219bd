"""The Python API: inspect() equals ``inspect --json``, render() returns the output path (and
uses the batch cache for spec files), show() displays in Jupyter (checked without IPython)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import convanim
from convanim.cli import main
from convanim.display import Rendered

from .conftest import ROOT, SCENES

TINY = (
    "title: Tiny <api>\ninput: {shape: [1, 4, 4]}\n"
    "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 2}\n"
)


def _cli_json(*args: str) -> object:
    result = CliRunner().invoke(main, ["inspect", "--json", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("scene", ["standard_conv", "shufflenet_unit", "transposed_conv"])
def test_inspect_equals_the_cli_json(scene: str) -> None:
    path = SCENES / f"{scene}.yaml"
    assert convanim.inspect(path) == _cli_json(str(path))
    assert convanim.inspect(str(path), values=True) == _cli_json("--values", str(path))
    assert convanim.inspect(convanim.load_spec(path)) == _cli_json(str(path))


def test_public_names() -> None:
    assert set(convanim.__all__) >= {"load_spec", "plan", "inspect", "render", "show"}
    assert callable(convanim.render) and callable(convanim.show)


def test_the_render_function_and_the_renderer_package_do_not_shadow_each_other() -> None:
    code = (
        "import convanim, convanim.renderer.manim.frames as frames; "
        "print(callable(convanim.render), frames.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)  # fmt: skip
    assert out.stdout.split() == ["True", "convanim.renderer.manim.frames"]


def test_importing_convanim_does_not_import_manim() -> None:
    code = "import sys, convanim; convanim.inspect; print('manim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)  # fmt: skip
    assert out.stdout.strip() == "False"


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(TINY)
    with pytest.raises(convanim.UsageError, match="unknown quality 'z'"):
        convanim.render(spec, quality="z")
    with pytest.raises(convanim.UsageError, match="a size limit applies to gif only"):
        convanim.render(spec, format="mp4", max_size="5MB")
    with pytest.raises(convanim.UsageError, match="show\\(\\) embeds gif, png, mp4, webm"):
        convanim.show(spec, format="png-seq")


# --- display without IPython ------------------------------------------------------------------

DATA = {
    "input": {"shape": [1, 1, 4, 4]},
    "ops": [
        {
            "index": 0,
            "type": "conv2d",
            "formula": ["H_out = floor((4 + 2*0 - 1*(2-1) - 1) / 1) + 1 = 3"],
            "params": 5,
            "macs": 36,
            "flops": 72,
            "shape_table": {
                "Input": {"batch": 1, "height": 4, "in_channel": 1},
                "Kernel": {"batch": "-", "height": 2, "in_channel": 1},
                "Output": {"batch": 1, "height": 3, "in_channel": "-"},
            },
        }
    ],
    "total": {"params": 5, "macs": 36, "flops": 72},
}


@pytest.mark.parametrize(
    ("fmt", "tag", "mime"),
    [
        ("gif", "<img ", "image/gif"),
        ("png", "<img ", "image/png"),
        ("mp4", "<video ", "video/mp4"),
        ("webm", "<video ", "video/webm"),
    ],  # fmt: skip
)
def test_repr_embeds_the_file_and_the_table(tmp_path: Path, fmt: str, tag: str, mime: str) -> None:
    media = tmp_path / f"x.{fmt}"
    payload = bytes(range(256)) * 3
    media.write_bytes(payload)
    shown = Rendered(media, fmt, DATA, 640)
    html = shown._repr_html_()
    encoded = base64.b64encode(payload).decode()
    assert html.startswith('<div class="convanim">' + tag)
    assert f"data:{mime};base64,{encoded}" in html
    assert "width:640px" in html
    assert "<caption>ops[0] conv2d</caption>" in html
    assert "<td>Kernel</td><td>-</td><td>2</td><td>1</td>" in html
    assert "params 5 · MACs 36 · FLOPs 72" in html
    assert "H_out = floor((4 + 2*0 - 1*(2-1) - 1) / 1) + 1 = 3" in html
    bundle = shown._repr_mimebundle_()
    assert bundle == {"text/html": html, "text/plain": repr(shown)}
    assert shown._repr_mimebundle_(include={"text/plain"}) == {"text/plain": repr(shown)}
    assert shown._repr_mimebundle_(exclude={"text/html"}) == {"text/plain": repr(shown)}
    assert repr(shown) == f"Rendered(path={media!r}, format='{fmt}', width=640)"


def test_repr_works_where_ipython_cannot_be_imported(tmp_path: Path) -> None:
    media = tmp_path / "x.gif"
    media.write_bytes(b"GIF89a")
    code = (
        "import sys; sys.modules['IPython'] = None\n"  # any `import IPython` now fails
        "from pathlib import Path; from convanim.display import Rendered\n"
        f"print(Rendered(Path({str(media)!r}), 'gif', {{}})._repr_html_()[:40])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)  # fmt: skip
    assert out.stdout.startswith('<div class="convanim"><img ')


def test_repr_escapes_names_and_refuses_other_formats(tmp_path: Path) -> None:
    media = tmp_path / 'a"<b>.gif'
    media.write_bytes(b"GIF89a")
    html = Rendered(media, "gif", {}, 100).media_html()
    assert 'alt="convanim: a&quot;&lt;b&gt;.gif"' in html
    with pytest.raises(ValueError, match="cannot embed 'png-seq' output"):
        Rendered(tmp_path, "png-seq", {}).media_html()


# --- real renders -------------------------------------------------------------------------------


@pytest.mark.render
def test_render_returns_the_path_and_skips_when_up_to_date(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)
    target = tmp_path / "out" / "tiny.png"
    path = convanim.render(spec, format="png", output=target)
    assert path == target and path.stat().st_size > 0
    assert callable(convanim.render)
    stamp = path.stat().st_mtime_ns
    assert convanim.render(str(spec), format="png", output=target) == target
    assert path.stat().st_mtime_ns == stamp  # up to date: not rendered again
    convanim.render(spec, format="png", output=target, force=True)
    assert path.stat().st_mtime_ns != stamp


@pytest.mark.render
def test_render_a_loaded_spec_and_show_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(TINY)
    monkeypatch.chdir(tmp_path)
    path = convanim.render(convanim.load_spec(spec_path), format="png")
    assert path == Path("media/tiny.png") and path.exists()
    shown = convanim.show(spec_path, format="png", output=tmp_path / "shown.png")
    assert shown.path == tmp_path / "shown.png" and shown.format == "png"
    assert shown.data == convanim.inspect(spec_path)
    html = shown._repr_html_()
    assert base64.b64encode(shown.path.read_bytes()).decode() in html
    assert "width:854px" in html
