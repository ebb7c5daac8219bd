"""Up-to-date checks for rendered outputs: a content hash stored in a small sidecar file.

The key of an output is the SHA-256 of the spec file's bytes, the bytes of every file (``.npy``,
pictures) the spec reads, the convanim version and the render options (format, quality, size budget,
transparency). After a render, ``<output folder>/.convanim-cache/<output name>.json`` records the
key and the SHA-256 and size of the output written. An output is up to date when its sidecar
holds the same key and the output on disk still has the recorded size and hash.

A sidecar that cannot be read, is not JSON, or lacks a field is treated as missing: the spec is
rendered again and the sidecar rewritten. Sidecars are written atomically (temporary file and
rename), after the output itself is in place, so an interrupted render never leaves a sidecar
that vouches for an output that was not written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.batch.task import RenderOptions

if TYPE_CHECKING:
    from convanim.spec import SceneSpec

__all__ = [
    "CACHE_DIR",
    "SIDECAR_FORMAT",
    "CacheEntry",
    "cache_inputs",
    "cache_key",
    "is_up_to_date",
    "output_digest",
    "read_sidecar",
    "sidecar_path",
    "write_sidecar",
]

#: Folder (beside the outputs) that holds the sidecars.
CACHE_DIR = ".convanim-cache"
#: Version of the sidecar layout; a different number is treated as missing.
SIDECAR_FORMAT = 1
_CHUNK = 1 << 20


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def output_digest(path: Path) -> tuple[int, str] | None:
    """Size and SHA-256 of an output (for a folder: of its files, names included, in order).

    Parameters
    ----------
    path : Path
        An output file, or a folder for a PNG sequence.

    Returns
    -------
    (int, str) or None
        Bytes on disk and hex digest; None if the output does not exist or cannot be read.
    """
    try:
        if path.is_dir():
            digest = hashlib.sha256()
            size = 0
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                name = item.relative_to(path).as_posix()
                digest.update(f"{name}\0{_file_sha256(item)}\0".encode())
                size += item.stat().st_size
            return size, digest.hexdigest()
        if path.is_file():
            return path.stat().st_size, _file_sha256(path)
    except OSError:
        return None
    return None


def cache_inputs(
    spec_path: Path, spec: SceneSpec, options: RenderOptions, version: str
) -> dict[str, Any]:
    """Everything the key of an output is computed from, as a JSON-serialisable dict.

    Parameters
    ----------
    spec_path : Path
        The spec file (its bytes are hashed, comments included: an edited comment re-renders).
    spec : SceneSpec
        The loaded spec, for the files it reads (:func:`convanim.spec.files.spec_files`).
    options : RenderOptions
        Render options.
    version : str
        The convanim version.

    Returns
    -------
    dict
        ``{"convanim": version, "spec": sha256, "npy": {path: sha256}, "options": {...}}``,
        plus ``"files": {path: sha256}`` for files other than ``.npy`` the spec reads.
    """
    from convanim.spec.files import spec_files

    files = spec_files(spec)
    digests = {source: _file_sha256(spec.source.base_dir / source) for source in files}
    inputs: dict[str, Any] = {
        "convanim": version,
        "spec": _file_sha256(spec_path),
        "npy": {s: d for s, d in digests.items() if s.endswith(".npy")},
        "options": options.as_dict(),
    }
    others = {s: d for s, d in digests.items() if not s.endswith(".npy")}
    if others:  # only when a spec reads other files: the keys of existing outputs stay valid
        inputs["files"] = others
    return inputs


def cache_key(inputs: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of :func:`cache_inputs`."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sidecar_path(output: Path) -> Path:
    """``<output folder>/.convanim-cache/<output name>.json``."""
    return output.parent / CACHE_DIR / f"{output.name}.json"


@dataclass(frozen=True)
class CacheEntry:
    """A sidecar's content: the key and what the output looked like when it was written."""

    key: str
    output_bytes: int
    output_sha256: str


def _valid_hex(text: object) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def read_sidecar(output: Path) -> CacheEntry | None:
    """The sidecar of ``output``, or None if it is missing, unreadable, partial or malformed."""
    try:
        data = json.loads(sidecar_path(output).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        return None
    out = data.get("output")
    if not isinstance(out, dict):
        return None
    key, size, sha = data.get("key"), out.get("bytes"), out.get("sha256")
    if not (_valid_hex(key) and _valid_hex(sha)):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    assert isinstance(key, str) and isinstance(sha, str)
    return CacheEntry(key, size, sha)


def is_up_to_date(output: Path, key: str) -> bool:
    """True if ``output`` exists, its sidecar holds ``key``, and it is the file recorded there."""
    entry = read_sidecar(output)
    if entry is None or entry.key != key:
        return False
    try:
        if output.stat().st_size != entry.output_bytes and not output.is_dir():
            return False
    except OSError:
        return False
    digest = output_digest(output)
    return digest == (entry.output_bytes, entry.output_sha256)


def write_sidecar(output: Path, key: str, inputs: dict[str, Any]) -> bool:
    """Record that ``output`` (as it is now on disk) was rendered from ``key``.

    Parameters
    ----------
    output : Path
        The output just written.
    key : str
        Its cache key.
    inputs : dict
        What the key was computed from (stored for people reading the sidecar).

    Returns
    -------
    bool
        True if the sidecar was written; False if the output is missing or the cache folder
        cannot be written (the next run then renders again, which is safe).
    """
    digest = output_digest(output)
    if digest is None:
        return False
    record = {
        "format": SIDECAR_FORMAT,
        "key": key,
        "inputs": inputs,
        "output": {"name": output.name, "bytes": digest[0], "sha256": digest[1]},
    }
    target = sidecar_path(output)
    tmp_name = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False,
            encoding="utf-8",
        ) as fh:  # fmt: skip
            tmp_name = fh.name
            json.dump(record, fh, indent=1, sort_keys=True)
            os.chmod(tmp_name, 0o644)  # readable like any output, not 0600
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except OSError:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        return False
    return True
