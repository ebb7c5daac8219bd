"""Build the gallery: render every scene through the batch machinery, then write the page.

``out/index.html`` sits beside the media it shows (``out/<stem>.gif``); scenes whose outputs are
up to date are not rendered again (the batch cache). A scene that fails still gets a card with
its YAML and the error, so the page is always complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from convanim.batch import RenderOptions, TaskResult, plan_tasks, run_batch
from convanim.batch.pool import ResultCallback
from convanim.errors import ConvanimError, UsageError
from convanim.gallery.page import SceneEntry, render_page
from convanim.version import version

__all__ = ["GALLERY_FORMATS", "PAGE_NAME", "GalleryResult", "build_gallery", "find_specs"]

#: Formats a gallery can show (an ``<img>`` or a ``<video>``).
GALLERY_FORMATS = ("gif", "mp4", "webm", "png")
#: Formats shown in a ``<video>`` (with poster, captions and chapters).
VIDEO_FORMATS = ("mp4", "webm")
#: File name of the page in the output folder.
PAGE_NAME = "index.html"
_SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class GalleryResult:
    """What :func:`build_gallery` did.

    Attributes
    ----------
    page : Path
        The HTML page written.
    results : tuple of TaskResult
        One render result per scene, in page order.
    """

    page: Path
    results: tuple[TaskResult, ...]


def find_specs(paths: Sequence[Path]) -> list[Path]:
    """The specs named by ``paths``: files as given, folders as their ``*.yaml``/``*.yml``.

    Parameters
    ----------
    paths : sequence of Path
        Spec files and folders of specs.

    Returns
    -------
    list of Path
        Files in order (a folder's sorted by name), each once.

    Raises
    ------
    UsageError
        If a path does not exist or no spec is found.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.suffix in _SPEC_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(found))
    if not unique:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(f"no specs (*.yaml, *.yml) found in {shown}")
    return unique


def _inspect_data(spec_path: Path) -> tuple[str, dict[str, Any] | None, str | None, str]:
    """(title, inspect data, error, language) of a spec; a spec that does not load gives its
    error."""
    from convanim.engine import plan
    from convanim.engine.report import plan_to_dict
    from convanim.spec import load

    try:
        spec = load(spec_path)
        data = plan_to_dict(plan(spec))
        return spec.title or spec_path.stem, data, None, spec.labels.language
    except ConvanimError as err:
        return spec_path.stem, None, str(err), "en"


def _video_extras(result: TaskResult, options: RenderOptions) -> dict[str, Any]:
    """Poster, captions and chapters of a rendered video (only those that exist)."""
    from convanim.output.annotations import read_chapters
    from convanim.pipeline.teaching import caption_path, poster_path

    if result.status == "failed" or options.format not in VIDEO_FORMATS:
        return {}
    extras: dict[str, Any] = {}
    if poster_path(result.output).is_file():
        extras["poster"] = poster_path(result.output).name
    if caption_path(result.output).is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            extras["captions"] = caption_path(result.output).read_text(encoding="utf-8")
    with contextlib.suppress(OSError):  # a video PyAV cannot open: no chapters to list
        extras["chapters"] = tuple((c.title, c.start) for c in read_chapters(result.output))
    return extras


def _entry(result: TaskResult, options: RenderOptions) -> SceneEntry:
    from convanim.output import QUALITIES

    try:
        yaml_text = result.spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yaml_text = f"(cannot read {result.spec}: {exc})"
    title, data, error, language = _inspect_data(result.spec)
    if result.status == "failed":
        error = result.message
    quality = QUALITIES[options.quality]
    return SceneEntry(
        name=result.spec.stem,
        title=title,
        spec_file=result.spec.name,
        yaml_text=yaml_text,
        media=result.output.name if result.status != "failed" else None,
        media_format=options.format,
        size=(quality.width, quality.height),
        data=data,
        error=error,
        language=language,
        **_video_extras(result, options),
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp_name = ""
    try:
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False,
            encoding="utf-8",
        ) as fh:  # fmt: skip
            tmp_name = fh.name
            fh.write(text)
            os.chmod(tmp_name, 0o644)  # readable like any output, not 0600
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def build_gallery(
    specs: Sequence[Path],
    out_dir: Path,
    options: RenderOptions,
    *,
    jobs: int = 1,
    force: bool = False,
    title: str = "convanim gallery",
    on_result: ResultCallback | None = None,
    cluster: str | Any | None = None,
) -> GalleryResult:
    """Render ``specs`` into ``out_dir`` and write ``out_dir/index.html`` showing them.

    Parameters
    ----------
    specs : sequence of Path
        Spec files (see :func:`find_specs` for folders).
    out_dir : Path
        Folder of the page and its media (created if missing).
    options : RenderOptions
        Format (one of :data:`GALLERY_FORMATS`), quality, size budget.
    jobs : int
        Worker processes for the renders.
    force : bool
        Render even the scenes whose media are up to date.
    title : str
        Heading of the page.
    on_result : callable or None
        Called as each scene's render finishes (see :func:`convanim.batch.run_batch`).
    cluster : str, distributed.Client or None
        Render on a Dask cluster (see :mod:`convanim.batch.cluster`).

    Returns
    -------
    GalleryResult

    Raises
    ------
    UsageError
        Unsupported format, or an output folder that cannot be created or written.
    """
    from convanim.output import QUALITIES

    if options.format not in GALLERY_FORMATS:
        raise UsageError(f"a gallery shows {', '.join(GALLERY_FORMATS)}, not {options.format}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {out_dir}: {exc.strerror or exc}") from exc
    if options.format in VIDEO_FORMATS:  # a video card shows a poster, captions and chapters
        options = replace(options, captions=True, poster=True)
    tasks = plan_tasks(list(specs), options, out_dir, force=force)
    results = run_batch(tasks, jobs=jobs, on_result=on_result, cluster=cluster)
    entries = [_entry(result, options) for result in results]
    failed = sum(r.status == "failed" for r in results)
    quality = QUALITIES[options.quality]
    subtitle = (
        f"{len(entries)} scene{'s' if len(entries) != 1 else ''} rendered by convanim "
        f"{version()} as {options.format.upper()} at {quality.label}"
        + (f"; {failed} failed" if failed else "")
    )
    page = out_dir / PAGE_NAME
    _write_atomic(page, render_page(entries, title=title, subtitle=subtitle))
    return GalleryResult(page, tuple(results))
