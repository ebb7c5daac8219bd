"""Turn a pydantic ``ValidationError`` into one :class:`SpecError` in plain words.

The first problem in reading order (by line and column in the YAML; missing keys last, since a
misspelt key also makes one missing) is reported, with its YAML
path: ``ops[0].kernal_size: unknown key 'kernal_size' (did you mean 'kernel_size'?); allowed:
...``. pydantic's own location parts that a user never wrote (the op tag of a discriminated union,
``function-before[...]``) are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from convanim.errors import SpecError
from convanim.spec.fields import FieldProblem, describe, did_you_mean
from convanim.spec.models import OP_MODELS, OP_TYPES, SceneSpec, SourceInfo, YamlPath

__all__ = ["spec_error_from_validation"]

_NOISE = re.compile(r"^(function-|tuple\[|list\[|literal\[|union\[|none$|bool$|str$|int$|float$)")
_OPS = object()  # marker: inside the ops list, before the op tag


def _walk(loc: tuple[int | str, ...]) -> tuple[YamlPath, list[Any]]:
    """Clean a pydantic location into a YAML path, with the model at each prefix of it.

    Returns
    -------
    path : tuple
        The YAML path.
    models : list
        ``models[i]`` is the model class (or ``None``) whose fields ``path[i]`` names, so
        ``models[-1]`` is the model holding the last key; one extra entry for the model at
        ``path`` itself.
    """
    path: list[str | int] = []
    current: Any = SceneSpec
    models: list[Any] = [current]
    for part in loc:
        if isinstance(part, int):
            path.append(part)
            current = _OPS if current is _OPS else None
            models.append(current)
            continue
        if current is _OPS and part in OP_MODELS:
            current = OP_MODELS[part]
            models[-1] = current
            continue
        if _NOISE.match(part):
            continue
        path.append(part)
        nxt: Any = None
        if current is SceneSpec and part == "ops":
            nxt = _OPS
        elif isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            ann = info.annotation if info is not None else None
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                nxt = ann
        current = nxt
        models.append(current)
    return tuple(path), models


def _keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _required(model: type[BaseModel]) -> list[str]:
    return [name for name, f in model.model_fields.items() if f.is_required()]


def _one(err: ErrorDetails, source: SourceInfo) -> SpecError:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    path, models = _walk(tuple(err["loc"]))
    if kind == "value_error" and isinstance(ctx.get("error"), FieldProblem):
        problem: FieldProblem = ctx["error"]
        return source.error((*path, *problem.subpath), problem.message)
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        model = models[-2] if len(models) >= 2 else None
        allowed = _keys(model) if isinstance(model, type) else []
        message = f"unknown key {key!r}{did_you_mean(key, allowed)}"
        if allowed:
            message += "; allowed: " + ", ".join(allowed)
        return source.error(path, message, key=True)
    if kind == "missing":
        parent, key = path[:-1], str(path[-1]) if path else "?"
        model = models[-2] if len(models) >= 2 else None
        message = f"missing required key {key!r}"
        if isinstance(model, type) and issubclass(model, BaseModel):
            needed = _required(model)
            name = getattr(model.model_fields.get("type"), "annotation", None)
            what = "this section"
            if model is SceneSpec:
                what = "a spec"
            elif name is not None and model in OP_MODELS.values():
                what = [t for t, m in OP_MODELS.items() if m is model][0]
            message += f" ({what} needs: {', '.join(needed)})"
        return source.error(parent, message)
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        return source.error(
            (*path, "type"),
            f"unknown op type {tag!r}{did_you_mean(tag, OP_TYPES)}; allowed: "
            + ", ".join(OP_TYPES),
        )
    if kind == "union_tag_not_found":
        return source.error(
            path, "missing required key 'type' (the op type: " + ", ".join(OP_TYPES) + ")"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return source.error(
            path, f"expected a mapping (key: value lines), got {describe(err.get('input'))}"
        )
    if kind == "literal_error":
        return source.error(
            path,
            f"expected {ctx.get('expected', 'one of the allowed values')}, "
            f"got {describe(err.get('input'))}",
        )
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return source.error(path, message)


def spec_error_from_validation(exc: ValidationError, source: SourceInfo) -> SpecError:
    """The first problem of ``exc`` (in reading order) as a located :class:`SpecError`.

    Parameters
    ----------
    exc : pydantic.ValidationError
        Raised by ``SceneSpec.model_validate``.
    source : SourceInfo
        File name and YAML positions.
    """
    details = exc.errors()
    if not details:  # pragma: no cover - pydantic never raises an empty ValidationError
        return SpecError(str(exc), file=source.file)
    # a misspelt key also makes a required key "missing": report the misspelling first
    ranked = sorted(
        ((err["type"] == "missing", _one(err, source)) for err in details),
        key=lambda item: (item[0], item[1].line or 0, item[1].col or 0),
    )
    return ranked[0][1]
