"""Find the ``nn.Module`` that ``FILE.py:NAME`` names: run the file, build the module.

Running the file executes its top-level code, exactly as ``python FILE.py`` would (except for an
``if __name__ == "__main__":`` block, which does not run): only export models from files you
trust. The file's folder is put first on ``sys.path`` while it runs, so that it can import its
neighbours the way it would when run directly.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from pathlib import Path
from typing import Any

from convanim.errors import UsageError

__all__ = ["build_module", "load_source", "parse_target"]

#: Name the imported file gets in ``sys.modules`` (so that dataclasses and pickling work).
MODULE_NAME = "convanim_from_torch_model"


def parse_target(target: str) -> tuple[Path, str]:
    """Split ``FILE.py:NAME`` into the file and the name.

    Raises
    ------
    UsageError
        No ``:``, an empty part, a name that is not a Python identifier, a file that is missing
        or does not end in ``.py``.
    """
    file_part, sep, name = target.rpartition(":")
    if not sep or not file_part or not name:
        raise UsageError(
            f"expected FILE.py:NAME (e.g. examples/models/lenet.py:LeNet5), got {target!r}"
        )
    if not name.isidentifier():
        raise UsageError(f"{target!r}: {name!r} is not a Python name (a class or a function)")
    path = Path(file_part)
    if path.suffix != ".py":
        raise UsageError(f"{target!r}: {file_part!r} is not a Python file (.py)")
    if not path.is_file():
        raise UsageError(f"{target!r}: file {file_part!r} not found")
    return path, name


def _user_frame(exc: BaseException, path: Path) -> str:
    """``FILE:LINE`` of the innermost frame of ``exc`` in ``path`` (or in any file)."""
    frames = list(traceback.extract_tb(exc.__traceback__))
    mine = [f for f in frames if Path(f.filename).resolve() == path.resolve()]
    if not (mine or frames):
        return str(path)
    frame = (mine or frames)[-1]
    return f"{frame.filename}:{frame.lineno}"


def load_source(path: Path) -> Any:
    """Run ``path`` as a module and return it.

    Raises
    ------
    UsageError
        The file raises (the message names the exception and the line), or cannot be read.
    """
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise UsageError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        where = _user_frame(exc, path)
        raise UsageError(
            f"{where}: running {path} raised {type(exc).__name__}: {exc}".rstrip()
        ) from None
    finally:
        if sys.path and sys.path[0] == folder:
            del sys.path[0]
    return module


def _candidates(module: Any, nn: Any) -> list[str]:
    names = []
    for key, value in vars(module).items():
        if key.startswith("_") or getattr(value, "__module__", None) != MODULE_NAME:
            continue
        if (inspect.isclass(value) and issubclass(value, nn.Module)) or inspect.isfunction(value):
            names.append(key)
    return sorted(names)


def build_module(path: Path, name: str) -> Any:
    """Run ``path`` and build the ``torch.nn.Module`` called ``name`` in it.

    ``name`` may be an ``nn.Module`` subclass (called with no arguments), a function returning
    a module (called with no arguments), or a module instance.

    Raises
    ------
    UsageError
        The name is missing, is not a module class / function / instance, needs arguments,
        raises, or returns something other than a module.
    """
    from torch import nn

    source = load_source(path)
    where = f"{path}:{name}"
    if not hasattr(source, name):
        found = _candidates(source, nn)
        hint = f"; it defines {', '.join(found)}" if found else ""
        raise UsageError(f"{where}: {path} defines no {name!r}{hint}")
    value = getattr(source, name)
    if isinstance(value, nn.Module):
        return value
    if inspect.isclass(value) and not issubclass(value, nn.Module):
        raise UsageError(
            f"{where}: {name} is a class but not a torch.nn.Module subclass; give a module "
            "class, a function returning a module, or a module instance"
        )
    if not callable(value):
        raise UsageError(
            f"{where}: {name} is a {type(value).__name__}, not a torch.nn.Module class or a "
            "function returning one"
        )
    try:
        inspect.signature(value).bind()
    except TypeError as exc:
        raise UsageError(
            f"{where}: {name} cannot be called with no arguments ({exc}); wrap it in a "
            "function that takes none and returns the module"
        ) from None
    except ValueError:  # builtins without a signature: just try the call
        pass
    try:
        built = value()
    except Exception as exc:
        raise UsageError(
            f"{_user_frame(exc, path)}: {name}() raised {type(exc).__name__}: {exc}".rstrip()
        ) from None
    if not isinstance(built, nn.Module):
        raise UsageError(
            f"{where}: {name}() returned a {type(built).__name__}, not a torch.nn.Module"
        )
    return built
