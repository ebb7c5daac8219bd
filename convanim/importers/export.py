"""``convanim from-torch``: a PyTorch module -> a spec with its real weights, checked.

Steps: run ``FILE.py`` and build ``NAME`` (:mod:`~convanim.importers.torch_source`), eval mode,
run it once on the input shape, trace it with ``torch.fx`` and read its layers as a chain
(:mod:`~convanim.importers.torch_graph`), stage the YAML and the ``.npy`` weights beside the
target (:mod:`~convanim.importers.spec_writer`), then load the staged spec, compute it with the
NumPy engine and compare every op's output with the module's own intermediate value (the module
in float64 on the spec's input). Only a spec that reproduces the module is put in place.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convanim.errors import ConvanimError, SpecError, UsageError
from convanim.importers.spec_writer import (
    Staged,
    commit_staged,
    discard_staged,
    stage_spec,
    weights_dir,
)

__all__ = ["INSTALL_HINT", "TOLERANCE", "ExportResult", "export_torch", "require_torch"]

#: How to get the optional dependency.
INSTALL_HINT = "pip install 'convanim[torch]'"

#: Largest difference allowed between an op's output and the module's, relative to the larger
#: of 1 and the module's largest magnitude at that layer (both computed in float64).
TOLERANCE = 1e-6

#: Picture files ``--input-image`` accepts (what ``input.values`` reads).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_torch` wrote.

    Attributes
    ----------
    spec_path : Path
        The spec.
    files : int
        Files written into the weights folder (``.npy`` weights, a copied picture).
    ops : tuple of str
        ``"<type> <module path or node name>"`` per op written.
    skipped : tuple of str
        Layers left out because they do nothing in eval mode (dropout, identity).
    max_difference : float
        Largest difference between any op's output and the module's value (float64).
    """

    spec_path: Path
    files: int
    ops: tuple[str, ...]
    skipped: tuple[str, ...]
    max_difference: float


def require_torch() -> Any:
    """Import torch, or explain how to install it.

    Raises
    ------
    UsageError
        torch is not installed.
    """
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise UsageError(
            f"from-torch needs PyTorch, which is not installed; install it with: {INSTALL_HINT}"
        ) from None
    return torch


def _parse_shape(shape: Sequence[int]) -> tuple[int, ...]:
    values = tuple(int(v) for v in shape)
    if not 1 <= len(values) <= 5 or any(v < 1 for v in values):
        raise UsageError(
            f"--input-shape: expected 1 to 5 positive sizes like 1,3,32,32, got {list(values)}"
        )
    return values


def _run_once(torch: Any, module: Any, shape: tuple[int, ...], label: str) -> None:
    try:
        with torch.no_grad():
            module(torch.zeros(shape))
    except Exception as exc:
        message = " ".join(str(exc).split())
        raise UsageError(
            f"{label}: the module fails on an input of shape {list(shape)} "
            f"({type(exc).__name__}: {message}); check --input-shape"
        ) from None


def _picture_source(picture: Path, target: Path) -> tuple[str, Path | None]:
    """``input.values`` for ``--input-image``: a relative path, and the file to copy if any."""
    if picture.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(f"--input-image {picture}: expected a .png, .jpg or .jpeg picture")
    if not picture.is_file():
        raise UsageError(f"--input-image {picture}: file not found")
    base = target.parent.resolve()
    resolved = picture.resolve()
    if resolved.is_relative_to(base) and not resolved.is_relative_to(weights_dir(target).resolve()):
        return resolved.relative_to(base).as_posix(), None
    relative = f"{weights_dir(target).name}/input{picture.suffix.lower()}"
    return relative, picture


def _layer_label(layer: Any) -> str:
    return layer.module_path or layer.name


def _build(
    layers: Sequence[Any], target: Path
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], list[Any]]:
    ops: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    kept: list[Any] = []
    folder = weights_dir(target).name
    for layer in layers:
        if layer.converted.op is None:
            continue
        op = dict(layer.converted.op)
        for field, array in layer.converted.arrays.items():
            relative = f"{folder}/{len(ops):02d}_{_layer_label(layer)}.{field}.npy"
            arrays[relative] = array
            op[field] = relative
        ops.append(op)
        kept.append(layer)
    return ops, arrays, kept


def _reference(traced: Any, torch: Any, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every node's value when the module (in float64) runs on ``x``.

    Each value is copied when its node runs: a later in-place op (``ReLU(inplace=True)``)
    would otherwise change it.
    """
    import torch.fx

    values: dict[str, np.ndarray] = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, node: Any) -> Any:
            value = super().run_node(node)
            if isinstance(value, torch.Tensor):
                values[node.name] = value.detach().cpu().numpy().copy()
            return value

    with torch.no_grad():
        Recorder(traced.graph_module.double()).run(
            torch.from_numpy(np.array(x, dtype=np.float64, copy=True))
        )
    return values


def _verify(staged: Staged, traced: Any, torch: Any, kept: Sequence[Any]) -> float:
    """Largest difference between the staged spec's ops and the module; raise if too large."""
    from convanim.engine import plan
    from convanim.spec import load

    try:
        result = plan(load(staged.spec))
    except SpecError as err:
        raise SpecError(
            f"the exported spec is refused: {err.message}",
            file=staged.target,
            line=err.line,
            col=err.col,
            path=err.path,
        ) from None
    values = _reference(traced, torch, result.input)
    worst = 0.0
    for index, (op, layer) in enumerate(zip(result.ops, kept, strict=True)):
        expected = values[layer.name]
        got = op.output
        if expected.shape != got.shape:
            raise ConvanimError(
                f"ops[{index}] ({_layer_label(layer)}): the spec gives shape {list(got.shape)}, "
                f"the module {list(expected.shape)}; the export is not written"
            )
        scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 0.0)
        difference = float(np.max(np.abs(expected - got))) if expected.size else 0.0
        if not difference <= TOLERANCE * scale:
            raise ConvanimError(
                f"ops[{index}] ({_layer_label(layer)}): the spec's output differs from the "
                f"module's by {difference:.3g}; the export is not written"
            )
        worst = max(worst, difference)
    return worst


def export_torch(
    target: str,
    input_shape: Sequence[int],
    output: Path | None = None,
    *,
    until: str | None = None,
    input_image: Path | None = None,
) -> ExportResult:
    """Export ``FILE.py:NAME`` as a spec (see the module docstring).

    Parameters
    ----------
    target : str
        ``FILE.py:NAME``: a module class, a function returning a module, or a module instance.
    input_shape : sequence of int
        The input's shape, N first (``1, 3, 32, 32``) or without N.
    output : Path, optional
        The spec to write (default ``<name in lower case>.yaml`` in the working folder).
    until : str, optional
        Stop after this module path (``features.3``, or a container: ``features``) or node name.
    input_image : Path, optional
        A PNG/JPEG picture for ``input.values`` (used in place, or copied beside the spec when it
        is outside the spec's folder).

    Raises
    ------
    UsageError
        No torch, a bad ``FILE:NAME``, a module that cannot be built, traced or exported.
    ConvanimError
        The spec would not reproduce the module (nothing is written).
    """
    from convanim.importers.torch_graph import chain_layers, trace_module
    from convanim.importers.torch_source import build_module, parse_target

    torch = require_torch()
    path, name = parse_target(target)
    shape = _parse_shape(input_shape)
    spec_path = Path(output) if output is not None else Path(f"{name.lower()}.yaml")
    if spec_path.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"-o {spec_path}: the spec must be a .yaml or .yml file")
    module = build_module(path, name)
    module.eval()
    _run_once(torch, module, shape, target)
    traced = trace_module(module, target)
    layers = chain_layers(traced, until)
    ops, arrays, kept = _build(layers, spec_path)
    if not ops:
        raise UsageError(f"{target}: no layer to export before --until {until}")
    values: str = "random"
    copies: dict[str, Path] = {}
    mirrors: dict[str, Path] = {}
    if input_image is not None:
        values, copy = _picture_source(Path(input_image), spec_path)
        if copy is not None:
            copies[values] = copy
        else:
            mirrors[values] = Path(input_image)
    spec: dict[str, Any] = {
        "title": f"{name} ({path.name})",
        "input": {"shape": list(shape), "values": values, "seed": 0},
        "ops": ops,
    }
    command = ["convanim", "from-torch", target, "--input-shape", ",".join(map(str, shape))]
    if output is not None:
        command += ["-o", str(output)]
    if until is not None:
        command += ["--until", until]
    if input_image is not None:
        command += ["--input-image", str(input_image)]
    header = [
        f"Exported from {target} by",
        f"  {shlex.join(command)}",
        "The weights are the module's own (.npy files in PyTorch layouts); biases are listed.",
    ]
    staged = stage_spec(spec_path, spec, arrays, copies=copies, mirrors=mirrors, header=header)
    try:
        worst = _verify(staged, traced, torch, kept)
        commit_staged(staged)
    finally:
        discard_staged(staged)
    return ExportResult(
        spec_path=spec_path,
        files=staged.files,
        ops=tuple(
            f"{op['type']} {_layer_label(layer)}" for op, layer in zip(ops, kept, strict=True)
        ),
        skipped=tuple(_layer_label(layer) for layer in layers if layer.converted.op is None),
        max_difference=worst if math.isfinite(worst) else float("nan"),
    )
