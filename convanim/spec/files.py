"""The files a spec reads besides itself: ``.npy`` values and pictures.

Whatever must travel with a spec to render it elsewhere, or enters its cache key, is listed by
:func:`spec_files`: paths as written in the spec, relative to its folder, each once, in order.
Each kind of file input registers one finder with :func:`file_finder`; a new kind of input (an
image, say) adds a finder next to its field and every user of the list (the batch cache key, the
cluster's task payloads) picks it up.

>>> from convanim.spec import loads
>>> spec = loads("input: {shape: [1, 4, 4]}\\nops: [{type: avg_pool2d, kernel_size: 2}]")
>>> spec_files(spec)
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from convanim.spec.fields import NPY_SUFFIX, is_picture

if TYPE_CHECKING:
    from convanim.spec.models import SceneSpec

__all__ = ["FileFinder", "file_finder", "spec_files"]

FileFinder = Callable[["SceneSpec"], Iterable[str]]
"""``finder(spec)`` yields the relative paths of one kind of file the spec reads."""

_FINDERS: list[FileFinder] = []


def file_finder(finder: FileFinder) -> FileFinder:
    """Register ``finder`` (a decorator) so :func:`spec_files` includes what it yields."""
    if finder not in _FINDERS:
        _FINDERS.append(finder)
    return finder


def spec_files(spec: SceneSpec) -> list[str]:
    """Every file ``spec`` reads, relative to its folder as written, each once, in order.

    Parameters
    ----------
    spec : SceneSpec
        A loaded spec.

    Returns
    -------
    list of str
        For example ``["x.npy", "weights/w.npy"]``; the spec file itself is not included.
    """
    found: list[str] = []
    for finder in _FINDERS:
        for path in finder(spec):
            if path not in found:
                found.append(path)
    return found


@file_finder
def npy_files(spec: SceneSpec) -> list[str]:
    """The ``.npy`` value sources of the input and of every op's tensors."""
    from convanim.spec.chain import validate_chain
    from convanim.spec.values import tensor_requests

    sources: list[Any] = [spec.input.values]
    shapes = validate_chain(spec)
    for op, shape in zip(spec.ops, shapes, strict=False):
        sources.extend(request.source for request in tensor_requests(op, shape))
    return [s for s in sources if isinstance(s, str) and s.lower().endswith(NPY_SUFFIX)]


@file_finder
def picture_files(spec: SceneSpec) -> list[str]:
    """The picture (PNG / JPEG) the input's values are read from, if any."""
    source = spec.input.values
    return [source] if isinstance(source, str) and is_picture(source) else []
