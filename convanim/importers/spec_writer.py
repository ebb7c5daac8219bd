"""Write an exported spec: the YAML, and its ``.npy`` weights in a folder beside it.

For ``out/lenet.yaml`` the weights go to ``out/lenet_weights/NN_<layer>.<field>.npy`` (``NN`` the
op's index) and the spec names them by relative path, so the pair can be moved together. Both
are written into a hidden staging folder beside the target first; the caller checks the staged
spec, then :func:`commit_staged` renames the weights folder and then the YAML into place
(``convanim.output.atomic``): an interrupted export leaves the old spec untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from convanim.output.atomic import commit, discard, prepare_folder, temp_path

__all__ = ["Staged", "commit_staged", "discard_staged", "dump_spec", "stage_spec", "weights_dir"]


def weights_dir(spec_path: Path) -> Path:
    """The folder of a spec's weights: ``<stem>_weights`` beside it."""
    return spec_path.with_name(f"{spec_path.stem}_weights")


class _Dumper(yaml.SafeDumper):
    """Block style for mappings, flow style (``[1, 2]``) for lists of plain values."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(v, list | dict) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def dump_spec(spec: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """The spec as YAML text, keys in the given order, after ``header`` comment lines."""
    body = yaml.dump(dict(spec), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return comments + body


@dataclass(frozen=True)
class Staged:
    """A spec written to a staging folder, not yet in place.

    Attributes
    ----------
    target : Path
        Where the spec goes.
    folder : Path
        The staging folder (hidden, beside the target).
    spec : Path
        The staged YAML (``folder / target.name``), loadable as is.
    files : int
        Files in the staged weights folder.
    """

    target: Path
    folder: Path
    spec: Path
    files: int


def stage_spec(
    target: Path,
    spec: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    *,
    copies: Mapping[str, Path] | None = None,
    mirrors: Mapping[str, Path] | None = None,
    header: Sequence[str] = (),
) -> Staged:
    """Write the spec and its files into a staging folder beside ``target``.

    Parameters
    ----------
    target : Path
        The spec's path.
    spec : Mapping
        The spec's content; array fields already hold their relative paths.
    arrays : Mapping
        Path relative to the spec's folder (inside :func:`weights_dir`) -> array.
    copies : Mapping, optional
        Path relative to the spec's folder (inside :func:`weights_dir`) -> file to copy there.
    mirrors : Mapping, optional
        Path relative to the spec's folder -> a file already there that the spec refers to
        (a picture): copied into the staging folder only so that the staged spec loads.
    header : sequence of str
        Comment lines at the top of the YAML.

    Raises
    ------
    UsageError
        The folder cannot be created or written.
    """
    prepare_folder(target)
    folder = temp_path(target, suffix="", is_dir=True)
    count = 0
    for relative, array in arrays.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, array, allow_pickle=False)
        count += 1
    for relative, source in (copies or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        count += 1
    for relative, source in (mirrors or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
    staged_spec = folder / target.name
    staged_spec.write_text(dump_spec(spec, header), encoding="utf-8")
    return Staged(target=target, folder=folder, spec=staged_spec, files=count)


def commit_staged(staged: Staged) -> None:
    """Rename the staged weights folder, then the staged YAML, into place.

    Raises
    ------
    ConvanimError
        A rename fails (the old spec is left as it was).
    """
    weights = weights_dir(staged.target)
    staged_weights = staged.folder / weights.name
    if staged_weights.is_dir():
        commit(staged_weights, weights)
    commit(staged.spec, staged.target)
    discard(staged.folder)


def discard_staged(staged: Staged) -> None:
    """Remove the staging folder."""
    discard(staged.folder)
