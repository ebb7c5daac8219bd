"""PyTorch layers -> spec ops: one converter per supported module class or function.

A converter returns a :class:`Converted`: the op's spec fields and the arrays to save as
``.npy`` (the real weights, PyTorch layouts). Biases are written into the YAML as lists (a spec's
``bias`` is ``true``, ``false`` or a list), each number the shortest text that gives back the
module's float32 exactly. A layer the spec cannot express exactly raises :class:`Unsupported`
with the reason.

Supported modules: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose2d``, ``MaxPool2d``,
``AvgPool2d``, ``ChannelShuffle``, ``ReLU``, ``Flatten``, ``Linear``, ``BatchNorm2d``; ``Dropout``
and ``Identity`` do nothing in eval mode and are left out. Functions: ``F.relu``,
``torch.relu``, ``Tensor.relu``, ``torch.flatten``, ``Tensor.flatten``,
``F.channel_shuffle``, ``torch.channel_shuffle``, ``F.max_pool2d``, ``F.avg_pool2d``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = [
    "Converted",
    "Unsupported",
    "convert_function",
    "convert_method",
    "convert_module",
    "function_name",
]


class Unsupported(Exception):
    """The layer cannot be written as a spec op; ``str(err)`` says why."""


@dataclass(frozen=True)
class Converted:
    """One layer as a spec op.

    Attributes
    ----------
    op : dict or None
        The op's spec fields (``type`` first); ``None`` for a layer that does nothing in eval
        mode (dropout, identity), which is left out of the spec.
    arrays : dict
        Field name -> array to save as a ``.npy`` file the field then names.
    """

    op: dict[str, Any] | None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def _ints(value: Any, rank: int) -> list[int]:
    if isinstance(value, int):
        return [value] * rank
    return [int(v) for v in value]


def _array(tensor: Any) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().cpu().numpy())


def _floats(tensor: Any) -> list[float]:
    """Each float32 as the shortest decimal that reads back to it exactly."""
    values = tensor.detach().cpu().to(dtype=_torch().float32).numpy().ravel()
    return [float(np.format_float_positional(v, unique=True, trim="0")) for v in values]


def _torch() -> Any:
    import torch

    return torch


def _bias(module: Any) -> bool | list[float]:
    return False if module.bias is None else _floats(module.bias)


def _zeros_padding(module: Any) -> None:
    if module.padding_mode != "zeros":
        raise Unsupported(f"padding_mode={module.padding_mode!r}: the spec pads with zeros only")


def _without_defaults(op: dict[str, Any], rank: int) -> dict[str, Any]:
    """Leave out stride 1, padding 0, dilation 1, groups 1 and output_padding 0 (the defaults)."""
    defaults = {
        "stride": [1] * rank,
        "padding": [0] * rank,
        "dilation": [1] * rank,
        "output_padding": [0] * rank,
        "groups": 1,
    }
    return {k: v for k, v in op.items() if k not in defaults or defaults[k] != v}


def _conv(type_name: str, rank: int) -> Callable[[Any], Converted]:
    def convert(module: Any) -> Converted:
        _zeros_padding(module)
        padding = module.padding
        op: dict[str, Any] = {
            "type": type_name,
            "out_channels": int(module.out_channels),
            "kernel_size": _ints(module.kernel_size, rank),
            "stride": _ints(module.stride, rank),
            "padding": padding if isinstance(padding, str) else _ints(padding, rank),
            "dilation": _ints(module.dilation, rank),
            "groups": int(module.groups),
            "bias": _bias(module),
        }
        return Converted(_without_defaults(op, rank), {"weight": _array(module.weight)})

    return convert


def _conv_transpose2d(module: Any) -> Converted:
    _zeros_padding(module)
    op: dict[str, Any] = {
        "type": "conv_transpose2d",
        "out_channels": int(module.out_channels),
        "kernel_size": _ints(module.kernel_size, 2),
        "stride": _ints(module.stride, 2),
        "padding": _ints(module.padding, 2),
        "output_padding": _ints(module.output_padding, 2),
        "dilation": _ints(module.dilation, 2),
        "groups": int(module.groups),
        "bias": _bias(module),
    }
    return Converted(_without_defaults(op, 2), {"weight": _array(module.weight)})


def _pool_without_defaults(op: dict[str, Any]) -> dict[str, Any]:
    """Leave out a stride equal to the window (the default) and the other defaults."""
    defaults = {
        "stride": op["kernel_size"],
        "padding": [0, 0],
        "dilation": [1, 1],
        "ceil_mode": False,
        "count_include_pad": True,
    }
    return {k: v for k, v in op.items() if k not in defaults or defaults[k] != v}


def _max_pool2d(module: Any) -> Converted:
    if module.return_indices:
        raise Unsupported("return_indices=True: the spec's max pooling returns the values only")
    kernel = _ints(module.kernel_size, 2)
    op: dict[str, Any] = {
        "type": "max_pool2d",
        "kernel_size": kernel,
        "stride": _ints(module.stride or kernel, 2),
        "padding": _ints(module.padding, 2),
        "dilation": _ints(module.dilation, 2),
        "ceil_mode": bool(module.ceil_mode),
    }
    return Converted(_pool_without_defaults(op))


def _avg_pool2d(module: Any) -> Converted:
    kernel = _ints(module.kernel_size, 2)
    op: dict[str, Any] = {
        "type": "avg_pool2d",
        "kernel_size": kernel,
        "stride": _ints(module.stride or kernel, 2),
        "padding": _ints(module.padding, 2),
        "ceil_mode": bool(module.ceil_mode),
        "count_include_pad": bool(module.count_include_pad),
    }
    if module.divisor_override is not None:
        op["divisor_override"] = int(module.divisor_override)
    return Converted(_pool_without_defaults(op))


def _channel_shuffle(module: Any) -> Converted:
    return Converted({"type": "channel_shuffle", "groups": int(module.groups)})


def _relu(module: Any) -> Converted:
    return Converted({"type": "relu"})


def _flatten_op(start_dim: Any, end_dim: Any) -> Converted:
    if not isinstance(start_dim, int) or not isinstance(end_dim, int):
        raise Unsupported("start_dim and end_dim must be numbers written in the code")
    if start_dim != 1 or end_dim != -1:
        raise Unsupported(
            f"start_dim={start_dim}, end_dim={end_dim}: the spec's flatten keeps the batch and "
            "flattens the rest (start_dim=1, end_dim=-1)"
        )
    return Converted({"type": "flatten"})


def _flatten(module: Any) -> Converted:
    return _flatten_op(module.start_dim, module.end_dim)


def _linear(module: Any) -> Converted:
    op: dict[str, Any] = {
        "type": "linear",
        "in_features": int(module.in_features),
        "out_features": int(module.out_features),
        "bias": _bias(module),
    }
    return Converted(op, {"weight": _array(module.weight)})


def _batch_norm2d(module: Any) -> Converted:
    if not module.track_running_stats or module.running_mean is None:
        raise Unsupported(
            "track_running_stats=False: in eval mode this layer normalises with each batch's "
            "own statistics, which a spec cannot express"
        )
    torch = _torch()
    channels = int(module.num_features)
    weight = module.weight if module.affine else torch.ones(channels)
    bias = module.bias if module.affine else torch.zeros(channels)
    arrays = {
        "weight": _array(weight),
        "bias": _array(bias),
        "running_mean": _array(module.running_mean),
        "running_var": _array(module.running_var),
    }
    return Converted({"type": "batch_norm2d", "eps": float(module.eps)}, arrays)


def _identity(module: Any) -> Converted:
    return Converted(None)


def _module_table() -> dict[type, Callable[[Any], Converted]]:
    from torch import nn

    return {
        nn.Conv1d: _conv("conv1d", 1),
        nn.Conv2d: _conv("conv2d", 2),
        nn.Conv3d: _conv("conv3d", 3),
        nn.ConvTranspose2d: _conv_transpose2d,
        nn.MaxPool2d: _max_pool2d,
        nn.AvgPool2d: _avg_pool2d,
        nn.ChannelShuffle: _channel_shuffle,
        nn.ReLU: _relu,
        nn.Flatten: _flatten,
        nn.Linear: _linear,
        nn.BatchNorm2d: _batch_norm2d,
        nn.Dropout: _identity,
        nn.Dropout1d: _identity,
        nn.Dropout2d: _identity,
        nn.Dropout3d: _identity,
        nn.Identity: _identity,
    }


def convert_module(module: Any) -> Converted:
    """Convert one leaf module (a ``call_module`` node's target).

    Raises
    ------
    Unsupported
        A module class with no converter, or settings the spec cannot express.
    """
    table = _module_table()
    convert = table.get(type(module))
    if convert is None:
        raise Unsupported("not a layer convanim can draw")
    return convert(module)


def _bind(
    args: Sequence[Any], kwargs: dict[str, Any], names: Sequence[str], defaults: dict[str, Any]
) -> dict[str, Any]:
    """Match a call's arguments (after the input) to ``names``; unknown ones are unsupported."""
    if len(args) > len(names):
        raise Unsupported(f"takes at most {len(names)} arguments after the input")
    bound = dict(defaults)
    bound.update(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in names:
            raise Unsupported(f"argument {key}={value!r} is not supported")
        bound[key] = value
    return bound


def _relu_call(args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    _bind(args, kwargs, ("inplace",), {"inplace": False})
    return Converted({"type": "relu"})


def _flatten_call(args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    bound = _bind(args, kwargs, ("start_dim", "end_dim"), {"start_dim": 0, "end_dim": -1})
    return _flatten_op(bound["start_dim"], bound["end_dim"])


def _shuffle_call(args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    bound = _bind(args, kwargs, ("groups",), {})
    if not isinstance(bound.get("groups"), int):
        raise Unsupported("groups must be a number written in the code")
    return Converted({"type": "channel_shuffle", "groups": bound["groups"]})


def _pool_call_args(bound: dict[str, Any]) -> None:
    for key, value in bound.items():
        if not isinstance(value, int | bool | tuple | list | type(None)):
            raise Unsupported(f"{key} must be written in the code, not computed from tensors")


def _max_pool2d_call(args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    names = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
    defaults = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False}
    bound = _bind(args, kwargs, names, {**defaults, "return_indices": False})
    _pool_call_args(bound)
    if "kernel_size" not in bound:
        raise Unsupported("kernel_size is missing")
    return _max_pool2d(SimpleNamespace(**bound))


def _avg_pool2d_call(args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    names = (
        "kernel_size",
        "stride",
        "padding",
        "ceil_mode",
        "count_include_pad",
        "divisor_override",
    )
    defaults = {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True}
    bound = _bind(args, kwargs, names, {**defaults, "divisor_override": None})
    _pool_call_args(bound)
    if "kernel_size" not in bound:
        raise Unsupported("kernel_size is missing")
    return _avg_pool2d(SimpleNamespace(**bound))


CallConverter = Callable[[Sequence[Any], dict[str, Any]], Converted]


def _function_table() -> dict[Any, CallConverter]:
    import torch
    import torch.nn.functional as F  # noqa: N812

    return {
        F.relu: _relu_call,
        torch.relu: _relu_call,
        torch.relu_: _relu_call,
        torch.flatten: _flatten_call,
        F.channel_shuffle: _shuffle_call,
        torch.channel_shuffle: _shuffle_call,
        F.max_pool2d: _max_pool2d_call,
        F.avg_pool2d: _avg_pool2d_call,
    }


#: ``Tensor`` methods (``x.relu()``) -> converter.
_METHODS: dict[str, CallConverter] = {
    "relu": _relu_call,
    "relu_": _relu_call,
    "flatten": _flatten_call,
}


def convert_function(function: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    """Convert a ``call_function`` node: ``function(input, *args, **kwargs)``.

    Raises
    ------
    Unsupported
        A function with no converter, or arguments the spec cannot express.
    """
    try:
        convert = _function_table().get(function)
    except TypeError:  # an unhashable target
        convert = None
    if convert is None:
        raise Unsupported("not a layer convanim can draw")
    return convert(args, kwargs)


def convert_method(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Converted:
    """Convert a ``call_method`` node: ``input.name(*args, **kwargs)``.

    Raises
    ------
    Unsupported
        A method with no converter, or arguments the spec cannot express.
    """
    convert = _METHODS.get(name)
    if convert is None:
        raise Unsupported("not a layer convanim can draw")
    return convert(args, kwargs)


def function_name(function: Any) -> str:
    """How messages name a function: ``torch.nn.functional.gelu``, ``operator.add, ...``."""
    import operator

    import torch
    import torch.nn.functional as F  # noqa: N812

    if getattr(function, "__module__", None) in (operator.__name__, "_operator"):
        return f"operator.{function.__name__}, a Python operator such as +"
    short = getattr(function, "__name__", None)
    for prefix, namespace in (("torch.nn.functional", F), ("torch", torch)):
        if short and getattr(namespace, short, None) is function:
            return f"{prefix}.{short}"
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", repr(function))
    return f"{module}.{name}" if module else str(name)
