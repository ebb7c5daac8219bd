"""``load`` and ``loads``: YAML text -> validated, frozen :class:`SceneSpec`.

Three stages, each with located errors: safe YAML parsing with positions
(:mod:`convanim.spec.yaml_loader`), model validation (:mod:`convanim.spec.models`, messages from
:mod:`convanim.spec.pydantic_errors`), and the chain check on integer shapes
(:mod:`convanim.spec.chain`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from convanim.errors import SpecError
from convanim.spec.chain import validate_chain
from convanim.spec.fields import describe
from convanim.spec.models import SceneSpec, SourceInfo
from convanim.spec.pydantic_errors import spec_error_from_validation
from convanim.spec.yaml_loader import MAX_DOCUMENT_BYTES, load_yaml

__all__ = ["load", "loads"]


def load(path: str | Path) -> SceneSpec:
    """Read, validate and check a spec file.

    Parameters
    ----------
    path : str or Path
        The YAML file. Relative ``.npy`` paths in it are resolved against its folder.

    Returns
    -------
    SceneSpec
        Frozen and validated; ``spec.source`` remembers the file and YAML positions.

    Raises
    ------
    SpecError
        Anything wrong with the file or its content, as ``file:line:col: path: message``.
    """
    file = Path(path)
    shown = str(path)
    if not file.exists():
        raise SpecError("file not found", file=shown)
    if not file.is_file():
        raise SpecError("not a file (a spec is a .yaml file)", file=shown)
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise SpecError(
                f"the file is {size:,} bytes; a spec may have at most {MAX_DOCUMENT_BYTES:,} "
                "bytes (put large tensors in a .npy file next to the spec)",
                file=shown,
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the file ({exc.strerror or exc})", file=shown) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"the file is not UTF-8 text (bad byte at offset {exc.start})", file=shown
        ) from None
    return loads(text, filename=shown, base_dir=file.parent)


def loads(text: str, filename: str = "<string>", base_dir: str | Path | None = None) -> SceneSpec:
    """Validate and check a spec given as YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    filename : str
        Name used in error messages.
    base_dir : str or Path, optional
        Folder that relative ``.npy`` paths are resolved against (default: the current folder).

    Returns
    -------
    SceneSpec

    Raises
    ------
    SpecError
        See :func:`load`.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    loaded = load_yaml(text, filename)
    source = SourceInfo(
        file=filename,
        base_dir=base,
        positions=loaded.positions,
        key_positions=loaded.key_positions,
    )
    data = loaded.data
    if data is None:
        raise SpecError("the file is empty; a spec needs at least 'input' and 'ops'", file=filename)
    if not isinstance(data, dict):
        raise source.error(
            (),
            f"a spec is a mapping with the keys 'input' and 'ops', got {describe(data)}",
        )
    try:
        spec = SceneSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error_from_validation(exc, source) from None
    spec._source = source
    validate_chain(spec)
    return spec
