"""Safe YAML loading that remembers where every node was written.

The text is composed into nodes with PyYAML's ``SafeLoader`` (no object construction at all), then
turned into plain Python data by hand, so that

* only the standard tags (mapping, list, string, integer, float, boolean, null) are accepted;
  anything else, such as ``!!python/object``, is refused with a clean :class:`SpecError`;
* aliases are expanded with a node budget, so an "alias bomb" (billion laughs) is refused instead of
  eating memory, and recursive aliases are refused;
* every value and key gets its ``(line, col)`` (1-based) recorded by YAML path, so later errors can
  point at what the user wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from convanim.errors import SpecError
from convanim.spec.models import YamlPath, format_path

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_NODES", "MAX_DEPTH", "LoadedYaml", "load_yaml"]

#: Largest spec accepted, in bytes (UTF-8).
MAX_DOCUMENT_BYTES = 1_000_000
#: Most YAML nodes a document may expand to (aliases count every time they are used).
MAX_NODES = 100_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 32

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null")}


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp rule (an unquoted date stays a string)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_STD}timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 floats such as 1e-3 (YAML 1.1 wants a dot: 1.0e-3); PyYAML would read them as text.
_Loader.add_implicit_resolver(
    f"{_STD}float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


@dataclass(frozen=True)
class LoadedYaml:
    """Plain data from a YAML document plus the position of every node.

    Attributes
    ----------
    data : Any
        Dicts, lists, strings, ints, floats, bools and ``None``.
    positions : dict
        YAML path tuple -> ``(line, col)`` (1-based) of the value written there.
    key_positions : dict
        YAML path tuple -> ``(line, col)`` of the mapping key that introduces it.
    """

    data: Any
    positions: dict[YamlPath, tuple[int, int]]
    key_positions: dict[YamlPath, tuple[int, int]]


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


class _Builder:
    """Turns a node graph into plain data, counting nodes and recording positions."""

    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.count = 0
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.key_positions: dict[YamlPath, tuple[int, int]] = {}
        self.active: set[int] = set()

    def fail(self, node: Node, path: YamlPath, message: str) -> SpecError:
        mark = node.start_mark
        return SpecError(
            message,
            file=self.file,
            line=mark.line + 1,
            col=mark.column + 1,
            path=format_path(path) or None,
        )

    def build(self, node: Node, path: YamlPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            top = path[:1]
            line, col = self.positions.get(
                top, (node.start_mark.line + 1, node.start_mark.column + 1)
            )
            raise SpecError(
                f"the document expands to more than {MAX_NODES:,} YAML nodes (anchors and "
                "aliases repeated too many times); write the values out or use a .npy file",
                file=self.file,
                line=line,
                col=col,
                path=format_path(top) or None,
            )
        if len(path) > MAX_DEPTH:
            raise self.fail(node, path, f"nested deeper than {MAX_DEPTH} levels")
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            raise self.fail(node, path, "a recursive alias (an anchor used inside itself)")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != f"{_STD}seq":
                    raise self.tag_error(node, path)
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if node.tag != f"{_STD}map":
                    raise self.tag_error(node, path)
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        raise self.fail(node, path, "unsupported YAML node")  # pragma: no cover

    def tag_error(self, node: Node, path: YamlPath) -> SpecError:
        return self.fail(
            node,
            path,
            f"the YAML tag {_show_tag(node.tag)!r} is not allowed; a spec holds plain YAML "
            "only (mappings, lists, text, numbers, true/false, null)",
        )

    def scalar(self, node: ScalarNode, path: YamlPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.tag_error(node, path)
        kind = node.tag[len(_STD) :]
        try:
            if kind == "str":
                return self.loader.construct_scalar(node)
            if kind == "int":
                return self.loader.construct_yaml_int(node)
            if kind == "float":
                return self.loader.construct_yaml_float(node)
            if kind == "bool":
                return self.loader.construct_yaml_bool(node)
            return None
        except (ValueError, TypeError, KeyError, yaml.YAMLError):
            raise self.fail(
                node, path, f"{node.value[:40]!r} is not a valid {kind} value"
            ) from None

    def mapping(self, node: MappingNode, path: YamlPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_STD}merge":
                merged.update(self.merge(value_node, path))
                continue
            self.count += 1
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, path, "a key must be plain text, not a list or mapping")
            key = self.scalar(key_node, path)
            if not isinstance(key, str):
                raise self.fail(key_node, path, f"a key must be text, got {key_node.value!r}")
            child = (*path, key)
            if key in out:
                first = self.key_positions[child]
                raise self.fail(
                    key_node, child, f"duplicate key {key!r} (first written on line {first[0]})"
                )
            self.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.build(value_node, child)
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def merge(self, node: Node, path: YamlPath) -> dict[str, Any]:
        """Values of a ``<<:`` merge key (one mapping or a list of mappings, earlier wins)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        result: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, MappingNode):
                raise self.fail(
                    source, path, "'<<' must be followed by a mapping or aliases to one"
                )
            value = self.build(source, path)
            result.update(value)
        return result


def load_yaml(text: str, file: str) -> LoadedYaml:
    """Parse one YAML document safely into plain data with positions.

    Parameters
    ----------
    text : str
        The document.
    file : str
        Name used in error messages.

    Returns
    -------
    LoadedYaml

    Raises
    ------
    SpecError
        Empty document, several documents, syntax errors (with line and column), disallowed
        tags, alias bombs, documents larger than :data:`MAX_DOCUMENT_BYTES`, nesting deeper than
        :data:`MAX_DEPTH`.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_DOCUMENT_BYTES:
        raise SpecError(
            f"the file is {size:,} bytes; a spec may have at most {MAX_DOCUMENT_BYTES:,} bytes "
            "(put large tensors in a .npy file next to the spec)",
            file=file,
        )
    try:
        loader = _Loader(text)  # checks that every character is printable
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    try:
        node = _single_node(loader, file)
        if node is None:
            raise SpecError("the file is empty; a spec needs at least 'input' and 'ops'", file=file)
        builder = _Builder(loader, file)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", file=file) from None
    except RecursionError:
        raise SpecError(f"nested deeper than {MAX_DEPTH} levels", file=file) from None
    finally:
        loader.dispose()
    return LoadedYaml(data, builder.positions, builder.key_positions)


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> SpecError:
    """A character YAML does not allow (a control character such as NUL), with its position."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    col = exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    return SpecError(
        f"the character U+{code:04X} is not allowed in YAML (a control character or a "
        "non-character); remove it",
        file=file,
        line=line,
        col=col,
    )


def _single_node(loader: _Loader, file: str) -> Node | None:
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    node = loader.compose_document()
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        mark = event.start_mark
        raise SpecError(
            "the file holds more than one YAML document ('---' starts a new one); "
            "a spec is a single document",
            file=file,
            line=mark.line + 1,
            col=mark.column + 1,
        )
    return node


#: PyYAML's wording -> plain words, for the problems people hit most.
_FRIENDLY = (
    ("expected <block end>, but found", "this line is indented differently from the lines above"),
    (
        "mapping values are not allowed here",
        "unexpected ':' (check the indentation, or quote the text)",
    ),
    (
        "found character '\\t' that cannot start any token",
        "tabs are not allowed; indent with spaces",
    ),
)


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    friendly = next((words for start, words in _FRIENDLY if problem.startswith(start)), None)
    if friendly is not None:
        problem = friendly
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    problem = " ".join(problem.split())
    return SpecError(
        f"YAML syntax error: {problem}",
        file=file,
        line=mark.line + 1 if mark is not None else None,
        col=mark.column + 1 if mark is not None else None,
    )
