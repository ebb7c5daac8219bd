"""Turn value sources (random, zeros, ones, arange, nested lists, ``.npy`` paths) into arrays.

Random streams are seeded per tensor so that a spec always gives the same numbers, and changing
one op does not change the numbers of another::

    np.random.default_rng([seed, op_index + 1, field_id])     # the input uses op_index = -1

with field ids ``input 0, weight 1, bias 2, offset 3, mask 4, fc1_weight 5, fc1_bias 6,
fc2_weight 7, fc2_bias 8, running_mean 9, running_var 10``. Distributions: input and offset
U(-1, 1); weights and biases U(-b, b) with ``b = 1/sqrt(fan_in)`` (PyTorch's default init bound);
mask U(0, 1); a batch norm's scales (weight, running_var) U(0.5, 1.5) and shifts (bias,
running_mean) U(-0.5, 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.errors import ShapeError
from convanim.spec.fields import is_picture
from convanim.spec.models import SourceInfo, YamlPath
from convanim.spec.ops import TensorRequest, op_def
from convanim.spec.ops.base import ValueKind
from convanim.spec.picture import load_picture

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec, SceneSpec

__all__ = [
    "FIELD_IDS",
    "ValueKind",
    "TensorRequest",
    "rng_key",
    "resolve_values",
    "npy_path",
    "tensor_requests",
    "resolve_input",
    "resolve_op_tensors",
]

#: Field id of every tensor in the random seeding scheme.
FIELD_IDS: dict[str, int] = {
    "input": 0,
    "weight": 1,
    "bias": 2,
    "offset": 3,
    "mask": 4,
    "fc1_weight": 5,
    "fc1_bias": 6,
    "fc2_weight": 7,
    "fc2_bias": 8,
    "running_mean": 9,
    "running_var": 10,
}


def rng_key(seed: int, op_index: int, field: str) -> tuple[int, int, int]:
    """The seed sequence of one tensor: ``(seed, op_index + 1, FIELD_IDS[field])`` (input: -1)."""
    return (seed, op_index + 1, FIELD_IDS[field])


def _fmt_shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def _random(
    shape: tuple[int, ...], key: tuple[int, int, int], kind: ValueKind, fan_in: int | None
) -> np.ndarray:
    rng = np.random.default_rng(list(key))
    if kind in ("weight", "bias"):
        if fan_in is None or fan_in < 1:
            raise ValueError(f"a random {kind} needs fan_in >= 1, got {fan_in}")
        bound = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape)
    if kind == "mask":
        return rng.uniform(0.0, 1.0, size=shape)
    if kind == "scale":
        return rng.uniform(0.5, 1.5, size=shape)
    if kind == "shift":
        return rng.uniform(-0.5, 0.5, size=shape)
    return rng.uniform(-1.0, 1.0, size=shape)


def npy_path(source: str, info: SourceInfo, path: YamlPath, what: str = ".npy") -> Path:
    """Resolve a ``.npy`` (or picture: ``what``) path relative to the spec's folder and check it
    stays inside it.

    Symlinks are resolved before the check, so a link pointing outside the folder is refused.

    Raises
    ------
    SpecError
        Absolute paths, paths leaving the spec's folder, missing files.
    """
    if Path(source).is_absolute() or (len(source) > 1 and source[1] == ":"):
        raise info.error(
            path,
            f"absolute paths are not allowed ({source!r}); give the {what} path relative to "
            "the spec's folder",
        )
    base = info.base_dir.resolve()
    target = (base / source).resolve()
    if not target.is_relative_to(base):
        raise info.error(
            path,
            f"{source!r} leaves the spec's folder; {what} files must be inside {base}",
        )
    if not target.is_file():
        raise info.error(path, f"file {source!r} not found (looked for {target})")
    return target


def _load_npy(source: str, info: SourceInfo, path: YamlPath, max_elements: int) -> np.ndarray:
    target = npy_path(source, info, path)
    try:
        with target.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    except (ValueError, OSError) as exc:
        raise info.error(path, f"{source!r} is not a readable .npy file ({exc})") from None
    if dtype.kind not in "biuf":
        raise info.error(path, f"{source!r} holds {dtype} values; expected numbers (int or float)")
    count = math.prod(shape)
    if count > max_elements:
        raise info.error(
            path,
            f"{source!r} holds {count:,} values; the limit is {max_elements:,}",
        )
    try:
        array = np.load(target, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise info.error(path, f"{source!r} is not a readable .npy file ({exc})") from None
    array = np.asarray(array, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        index = tuple(int(i) for i in bad[0])
        value = float(array[index])
        name = "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        raise info.error(
            path,
            f"{source!r} contains {name} at index {list(index)}; values must be finite numbers",
        )
    return array


def resolve_values(
    source: Any,
    shape: Sequence[int],
    *,
    rng_key: tuple[int, int, int],
    fan_in: int | None = None,
    kind: ValueKind = "input",
    spec: SceneSpec | None = None,
    path: YamlPath = (),
    layout: str = "",
    allow_unbatched: bool = False,
    non_negative: bool = False,
) -> np.ndarray:
    """Build the float64 array a value source describes.

    Parameters
    ----------
    source : str or nested tuple
        ``"random" | "zeros" | "ones" | "arange"``, a nested tuple of numbers (as stored by the
        models), or a ``.npy`` path relative to the spec's folder.
    shape : sequence of int
        The shape the array must have.
    rng_key : tuple of 3 ints
        Seed sequence for ``random`` (see :func:`rng_key`).
    fan_in : int, optional
        Needed for random weights and biases (bound ``1/sqrt(fan_in)``).
    kind : {"input", "weight", "bias", "offset", "mask"}
        Chooses the random distribution.
    spec : SceneSpec, optional
        Gives the spec's folder and the YAML positions for error messages.
    path : tuple
        YAML path of the field, e.g. ``("ops", 0, "weight")``.
    layout : str
        How the axes are named, shown when the shape does not match, e.g.
        ``"(out_channels, in_channels/groups, kh, kw)"``.
    allow_unbatched : bool
        Also accept the shape without its leading batch axis when the batch is 1.
    non_negative : bool
        Refuse negative values (a variance).

    Returns
    -------
    numpy.ndarray
        float64 array of exactly ``shape``.

    Raises
    ------
    SpecError
        Shape mismatch (expected vs got), bad ``.npy`` path or content, non-finite values.
    """
    from convanim.limits import MAX_ELEMENTS

    target = tuple(int(s) for s in shape)
    info = spec.source if spec is not None else SourceInfo()
    if source == "random":
        return _random(target, rng_key, kind, fan_in)
    if source == "zeros":
        return np.zeros(target)
    if source == "ones":
        return np.ones(target)
    if source == "arange":
        return np.arange(math.prod(target), dtype=np.float64).reshape(target)
    if isinstance(source, str):
        array = _load_npy(source, info, path, MAX_ELEMENTS)
    else:
        array = np.asarray(source, dtype=np.float64)
        bad = np.argwhere(~np.isfinite(array))
        if bad.size:
            raise info.error(path, f"non-finite value at index {[int(i) for i in bad[0]]}")
    if non_negative and np.any(array < 0):
        index = [int(i) for i in np.argwhere(array < 0)[0]]
        raise info.error(
            path, f"values must be >= 0 (a variance), got {float(array[tuple(index)])} at {index}"
        )
    if array.shape == target:
        return array
    if allow_unbatched and target[0] == 1 and array.shape == target[1:]:
        return array.reshape(target)
    expected = _fmt_shape(target)
    if allow_unbatched and target[0] == 1:
        expected += f" or {_fmt_shape(target[1:])}"
    named = f" {layout}" if layout else ""
    raise info.error(
        path, f"expected shape {expected}{named}, got {_fmt_shape(array.shape)}", cls=ShapeError
    )


def tensor_requests(op: OpSpec, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
    """The tensors (weights, biases, offsets, masks, FC layers) ``op`` needs for this input shape.

    ``input_shape`` includes the batch. A ``bias: false`` produces no request. Ops without
    parameters (pooling, channel shuffle) return an empty tuple.
    """
    return op_def(op).tensor_requests(op, input_shape)


#: The input's axes, by spatial rank.
INPUT_LAYOUTS = {0: "(N, features)", 1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def resolve_input(spec: SceneSpec) -> np.ndarray:
    """The input tensor of ``spec``, batch included (``spec.input_shape``).

    A picture (``input.values: photo.png``) is read by :func:`convanim.spec.picture.load_picture`;
    ``input.normalize`` applies to pictures only.
    """
    source, info, path = spec.input.values, spec.source, ("input", "values")
    if is_picture(source):
        assert isinstance(source, str)
        if len(spec.input_shape) != 4:
            raise info.error(
                path,
                "a picture is a 2-D input: input.shape must be [C, H, W] or [N, C, H, W] with "
                f"C = 1 or 3, got {list(spec.input.shape)}",
            )
        target = npy_path(source, info, path, what="picture")
        return load_picture(target, source, spec.input_shape, spec.input.mean_std, info, path)
    if spec.input.mean_std is not None:
        raise info.error(
            ("input", "normalize"),
            "normalize applies to a picture in input.values (a .png or .jpg path); "
            "remove it or give a picture",
        )
    return resolve_values(
        spec.input.values,
        spec.input_shape,
        rng_key=rng_key(spec.input.seed, -1, "input"),
        kind="input",
        spec=spec,
        path=("input", "values"),
        layout=INPUT_LAYOUTS[spec.spatial_rank],
        allow_unbatched=len(spec.input.shape) < len(spec.input_shape),
    )


def resolve_op_tensors(
    spec: SceneSpec, index: int, input_shape: Sequence[int]
) -> dict[str, np.ndarray]:
    """All tensors op ``index`` needs, keyed by field (``weight``, ``bias``, ``offset`` ...).

    Missing keys mean the op does not use that tensor (``bias: false``, no ``mask``).
    """
    op = spec.ops[index]
    return {
        req.field: resolve_values(
            req.source,
            req.shape,
            rng_key=rng_key(spec.input.seed, index, req.field),
            fan_in=req.fan_in,
            kind=req.kind,
            spec=spec,
            path=("ops", index, req.field),
            layout=req.layout,
            allow_unbatched=req.allow_unbatched,
            non_negative=req.non_negative,
        )
        for req in tensor_requests(op, input_shape)
    }
