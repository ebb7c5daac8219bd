"""Bad specs: each gets one clear SpecError naming file, line, column and YAML path (exact text)."""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from hypothesis import strategies as st

from convanim.errors import ShapeError, SpecError
from convanim.spec import load, loads

from .bad_specs import ALIAS_BOMB, CASES, DEEP_NESTING, GOOD, NPY_SPEC, OVERSIZED


def _error(tmp_path: Path, text: str, name: str = "bad.yaml") -> tuple[SpecError, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load(path)
    return info.value, str(path)


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_message(tmp_path: Path, text: str, expected: str) -> None:
    err, file = _error(tmp_path, text)
    assert str(err) == f"{file}:{expected}"
    assert err.file == file and err.exit_code == 2


def test_shape_problems_are_shape_errors(tmp_path: Path) -> None:
    err, _ = _error(tmp_path, GOOD.replace("kernel_size: 3", "kernel_size: 9"))
    assert isinstance(err, ShapeError)
    assert (err.line, err.col, err.path) == (9, 18, "ops[0].kernel_size")


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    err, file = _error(tmp_path, ALIAS_BOMB)
    assert str(err) == (
        f"{file}:5:5: a4: the document expands to more than 100,000 YAML nodes (anchors and "
        "aliases repeated too many times); write the values out or use a .npy file"
    )


def test_document_over_the_size_limit(tmp_path: Path) -> None:
    err, file = _error(tmp_path, OVERSIZED)
    size = len(OVERSIZED.encode())
    assert str(err) == (
        f"{file}: the file is {size:,} bytes; a spec may have at most 1,000,000 bytes (put large "
        "tensors in a .npy file next to the spec)"
    )


def test_deep_nesting(tmp_path: Path) -> None:
    err, file = _error(tmp_path, DEEP_NESTING)
    assert str(err).startswith(f"{file}:") and "nested deeper than 32 levels" in str(err)


def test_missing_file_and_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: file not found"
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"title: caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load(path)
    assert str(info.value) == f"{path}: the file is not UTF-8 text (bad byte at offset 10)"


def test_npy_missing(tmp_path: Path) -> None:
    err, file = _error(tmp_path, NPY_SPEC.format(path="data/x.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: file 'data/x.npy' not found (looked for "
        f"{tmp_path.resolve() / 'data' / 'x.npy'})"
    )


def test_npy_leaving_the_folder(tmp_path: Path) -> None:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    np.save(tmp_path / "outside.npy", np.zeros((2, 3, 3)))
    err, file = _error(spec_dir, NPY_SPEC.format(path="../outside.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: '../outside.npy' leaves the spec's folder; .npy files must "
        f"be inside {spec_dir.resolve()}"
    )
    err, file = _error(spec_dir, NPY_SPEC.format(path=str(tmp_path / "outside.npy")))
    assert str(err) == (
        f"{file}:3:11: input.values: absolute paths are not allowed "
        f"('{tmp_path / 'outside.npy'}'); give the .npy path relative to the spec's folder"
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_npy_symlink_escaping_the_folder(tmp_path: Path) -> None:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    np.save(tmp_path / "outside.npy", np.zeros((2, 3, 3)))
    (spec_dir / "link.npy").symlink_to(tmp_path / "outside.npy")
    err, file = _error(spec_dir, NPY_SPEC.format(path="link.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: 'link.npy' leaves the spec's folder; .npy files must be "
        f"inside {spec_dir.resolve()}"
    )


def test_npy_content_problems(tmp_path: Path) -> None:
    bad = np.zeros((2, 3, 3))
    bad[1, 2, 0] = np.inf
    np.save(tmp_path / "inf.npy", bad)
    err, file = _error(tmp_path, NPY_SPEC.format(path="inf.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: 'inf.npy' contains inf at index [1, 2, 0]; values must be "
        "finite numbers"
    )
    np.save(tmp_path / "small.npy", np.zeros((2, 3)))
    err, file = _error(tmp_path, NPY_SPEC.format(path="small.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: expected shape (1, 2, 3, 3) or (2, 3, 3) (N, C, H, W), "
        "got (2, 3)"
    )
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    err, file = _error(tmp_path, NPY_SPEC.format(path="text.npy"))
    assert str(err) == (
        f"{file}:3:11: input.values: 'text.npy' holds <U1 values; expected numbers (int or float)"
    )
    (tmp_path / "junk.npy").write_bytes(b"not an npy file")
    err, file = _error(tmp_path, NPY_SPEC.format(path="junk.npy"))
    assert str(err).startswith(f"{file}:3:11: input.values: 'junk.npy' is not a readable .npy file")


def test_loads_names_the_given_filename() -> None:
    with pytest.raises(SpecError) as info:
        loads("input: {shape: [8, 7, 7]}\nops: []\n", filename="lesson.yaml")
    assert str(info.value) == (
        "lesson.yaml:2:6: ops: the ops list is empty; add at least one op, e.g. '- type: conv2d'"
    )


# ---------------------------------------------------------------------------------------------
# bounded fuzzing: any document gives a spec or a clean SpecError, never another exception
# ---------------------------------------------------------------------------------------------

_ALPHABET = "abcdefgilmnoprstuvwxyz_0123456789-.:[]{},!&*#'\" \n\t"


def _load_or_spec_error(text: str) -> None:
    try:
        loads(text, filename="fuzz.yaml")
    except SpecError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml")
        assert "Traceback" not in message and "pydantic" not in message.lower()


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    edits=st.lists(
        st.tuples(st.integers(0, len(GOOD)), st.integers(0, 3), st.text(_ALPHABET, max_size=6)),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_mutated_spec_text(edits: list[tuple[int, int, str]]) -> None:
    text = GOOD
    for position, cut, insert in edits:
        text = text[:position] + insert + text[position + cut :]
    _load_or_spec_error(text)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["random", "zeros", "same", "valid", "conv2d", "x.npy", "first", "dark"]),
)
_keys = st.sampled_from(
    ["type", "out_channels", "kernel_size", "stride", "padding", "groups", "bias", "weight",
     "values", "shape", "seed", "output_padding", "reduction", "mask", "offset", "dilation",
     "ceil_mode", "name", "channels", "kernal_size"]
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=20,
)
_op_types = st.sampled_from(
    ["conv2d", "conv_transpose2d", "conv3d", "max_pool2d", "avg_pool2d", "channel_shuffle",
     "deform_conv2d", "squeeze_excitation"]
)  # fmt: skip


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    shape=st.lists(st.integers(-1, 9), min_size=2, max_size=6),
    ops=st.lists(
        st.fixed_dictionaries({"type": _op_types}, optional={}).flatmap(
            lambda base: st.dictionaries(_keys, _values, max_size=5).map(lambda d: {**d, **base})
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_fuzz_structured_specs(shape: list[int], ops: list[dict[str, object]]) -> None:
    import yaml

    text = yaml.safe_dump({"input": {"shape": shape}, "ops": ops}, allow_unicode=True)
    _load_or_spec_error(text)
