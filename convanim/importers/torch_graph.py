"""Trace a module with ``torch.fx`` and read its layers as a chain, in execution order.

Each graph node that computes something becomes a :class:`Layer` (via
:mod:`convanim.importers.torch_layers`) or stops the export with a :class:`UsageError` naming the
node, its module path (``features.3``) and the line of the model's source that created it, and
suggesting ``--until``. A spec is a chain, so every layer must take the previous layer's output:
a branch (a residual add, a concatenation, a second path from the same tensor) stops the export
at the first node that breaks the chain.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convanim.errors import UsageError
from convanim.importers.torch_layers import (
    Converted,
    Unsupported,
    convert_function,
    convert_method,
    convert_module,
    function_name,
)

__all__ = ["SUPPORTED", "Layer", "TracedModel", "chain_layers", "trace_module"]

#: What the message for an unsupported node lists.
SUPPORTED = (
    "Conv1d/Conv2d/Conv3d, ConvTranspose2d, MaxPool2d / F.max_pool2d, AvgPool2d / "
    "F.avg_pool2d, ChannelShuffle, ReLU (module or F.relu / torch.relu), Flatten / "
    "torch.flatten, Linear, BatchNorm2d (Dropout and Identity are left out: they do nothing in "
    "eval mode)"
)

_FRAME = re.compile(
    r'File "(?P<file>[^"]+)", line (?P<line>\d+), in [^\n]*\n[ \t]*(?P<code>[^\n]*)'
)


@dataclass(frozen=True)
class Layer:
    """One graph node written as a spec op.

    Attributes
    ----------
    name : str
        The ``torch.fx`` node name (``conv1``, ``relu_1``).
    module_path : str
        Qualified name of the module that ran it (``features.0``; ``""`` for the top level).
    converted : Converted
        The op fields and the arrays to save.
    """

    name: str
    module_path: str
    converted: Converted


@dataclass(frozen=True)
class TracedModel:
    """A module and its ``torch.fx`` graph.

    Attributes
    ----------
    module : torch.nn.Module
        The module, in eval mode.
    graph_module : torch.fx.GraphModule
        Its symbolic trace, with stack traces recorded on the nodes.
    """

    module: Any
    graph_module: Any


def trace_module(module: Any, label: str) -> TracedModel:
    """Symbolically trace ``module`` (already in eval mode), recording each node's source line.

    Raises
    ------
    UsageError
        ``torch.fx`` cannot trace the module (control flow on tensor values...).
    """
    import torch.fx

    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as exc:
        message = " ".join(str(exc).split())
        raise UsageError(
            f"{label}: torch.fx cannot trace the module ({type(exc).__name__}: {message}); "
            "convanim needs a forward made of layer calls, without Python control flow on "
            "tensor values"
        ) from None
    return TracedModel(module, torch.fx.GraphModule(tracer.root, graph))


def module_path(node: Any) -> str:
    """Qualified name of the module a node belongs to (``""`` at the top level)."""
    if node.op == "call_module":
        return str(node.target)
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    return str(list(stack.values())[-1][0])


def _torch_folder() -> str:
    import torch

    return os.path.dirname(os.path.abspath(torch.__file__)) + os.sep


def source_line(node: Any) -> tuple[str, str] | None:
    """``("file:line", "code")`` of the model's own line that created ``node``, if known."""
    text = node.stack_trace or ""
    torch_folder = _torch_folder()
    found = None
    for match in _FRAME.finditer(text):
        path = os.path.abspath(match["file"])
        if not path.startswith(torch_folder):
            found = match
    if found is None:
        return None
    shown = found["file"]
    with contextlib.suppress(ValueError):  # another drive on Windows
        shown = os.path.relpath(shown)
    if shown.startswith(".." + os.sep + ".."):
        shown = found["file"]
    return f"{shown}:{found['line']}", found["code"].strip()


def _describe_target(traced: TracedModel, node: Any) -> str:
    if node.op == "call_module":
        return type(traced.graph_module.get_submodule(node.target)).__name__
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op == "get_attr":
        return f"attribute {node.target}"
    return function_name(node.target)


def _until_hint(previous: Layer | None) -> str:
    if previous is None:
        return "It is the first layer: there is nothing before it to export."
    name = previous.module_path if previous.module_path else previous.name
    return f"Export the layers before it with --until {name}."


def _stop(traced: TracedModel, node: Any, problem: str, previous: Layer | None) -> UsageError:
    where = source_line(node)
    path = module_path(node)
    owner = f"module path {path!r}" if path else "the top-level forward"
    head = f"{where[0]}: " if where else ""
    lines = [
        f"{head}cannot export node {node.name!r} ({_describe_target(traced, node)}) in {owner}: "
        f"{problem}",
    ]
    if where:
        lines.append(f"    {where[1]}")
    lines.append(f"supported: {SUPPORTED}.")
    lines.append(_until_hint(previous))
    return UsageError("\n".join(lines))


def _matches(node: Any, until: str) -> bool:
    path = module_path(node)
    return node.name == until or path == until or path.startswith(until + ".")


def _cut(nodes: Sequence[Any], until: str | None) -> int | None:
    """Index of the last node ``--until`` names (``None`` without ``--until``)."""
    if until is None:
        return None
    hits = [i for i, node in enumerate(nodes) if _matches(node, until)]
    if not hits:
        names = []
        for node in nodes:
            if node.op in ("placeholder", "output", "get_attr"):
                continue
            name = module_path(node) if node.op == "call_module" else node.name
            if name not in names:
                names.append(name)
        raise UsageError(
            f"--until {until}: no layer has that module path or node name; the layers are "
            + ", ".join(names)
        )
    return hits[-1]


def _convert(traced: TracedModel, node: Any) -> Converted:
    rest, kwargs = tuple(node.args[1:]), dict(node.kwargs)
    if node.op == "call_module":
        if rest or kwargs:
            raise Unsupported("the module is called with arguments besides its input")
        return convert_module(traced.graph_module.get_submodule(node.target))
    if node.op == "call_method":
        return convert_method(str(node.target), rest, kwargs)
    return convert_function(node.target, rest, kwargs)


def chain_layers(traced: TracedModel, until: str | None) -> list[Layer]:
    """The module's layers in execution order, up to and including ``--until``.

    Layers that do nothing in eval mode (dropout, identity) come back with ``converted.op``
    ``None``.

    Raises
    ------
    UsageError
        An unsupported node, a node that does not take the previous layer's output, several
        inputs, an unknown ``--until``, a module that returns something else than its last
        layer's output.
    """
    import torch.fx

    nodes = list(traced.graph_module.graph.nodes)
    cut = _cut(nodes, until)
    inputs = [n for n in nodes if n.op == "placeholder"]
    required = [n for n in inputs if not n.args]
    if len(required) != 1:
        names = ", ".join(n.name for n in required) or "none"
        raise UsageError(
            f"the module's forward must take one tensor; it takes {len(required)} ({names})"
        )
    current: Any = required[0]
    alias: dict[Any, Any] = {}
    layers: list[Layer] = []
    last_real: Layer | None = None
    for index, node in enumerate(nodes):
        if cut is not None and index > cut:
            return layers
        if node.op in ("placeholder", "get_attr"):
            continue
        if node.op == "output":
            result = node.args[0]
            if not isinstance(result, torch.fx.Node) or alias.get(result, result) is not current:
                raise UsageError(
                    "the module returns something other than the output of its last layer "
                    f"({last_real.name if last_real else 'the input'}); convanim exports a "
                    "chain whose last layer gives the result"
                )
            return layers
        try:
            converted = _convert(traced, node)
        except Unsupported as exc:
            raise _stop(traced, node, str(exc), last_real) from None
        source = node.args[0] if node.args else None
        if not isinstance(source, torch.fx.Node) or alias.get(source, source) is not current:
            feeds = "the previous layer's output" if last_real else "the module's input"
            raise _stop(
                traced,
                node,
                f"its input is not {feeds} (a branch); a spec is a chain of layers",
                last_real,
            )
        layer = Layer(node.name, module_path(node), converted)
        layers.append(layer)
        if converted.op is None:
            alias[node] = current
        else:
            current = node
            last_real = layer
    return layers
