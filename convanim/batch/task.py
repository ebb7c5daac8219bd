"""What a batch renders: options shared by every spec, one task per spec, one result per task.

Everything here is a small frozen dataclass of paths, strings and numbers, so tasks and results
cross process boundaries (spawn or forkserver) by pickling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from convanim.errors import UsageError

if TYPE_CHECKING:
    from convanim.spec import SceneSpec

__all__ = [
    "RenderOptions",
    "RenderTask",
    "ResultCallback",
    "Status",
    "TaskResult",
    "default_output",
    "output_paths",
    "plan_tasks",
]

Status = Literal["rendered", "skipped", "failed"]


@dataclass(frozen=True)
class RenderOptions:
    """Settings that apply to every spec of a batch (and are part of the cache key).

    Attributes
    ----------
    format : str
        One of :data:`convanim.output.ALL_FORMATS`.
    quality : str
        A key of :data:`convanim.output.QUALITIES` (``"l"``, ``"m"``, ``"h"``, ``"k"``).
    max_bytes : int or None
        GIF size budget in bytes.
    transparent : bool
        Transparent background (WebM, PNG, PNG sequence).
    captions : bool
        Write WebVTT captions beside the video (``<stem>.vtt``).
    burn_captions : bool
        Draw the captions into the frames.
    poster : bool
        Write the cover frame beside an MP4 or WebM (``<stem>.poster.png``, for web pages).
    language : str or None
        Overrides every spec's ``labels.language`` (``--language``); None keeps each spec's.
    """

    format: str = "mp4"
    quality: str = "l"
    max_bytes: int | None = None
    transparent: bool = False
    captions: bool = False
    burn_captions: bool = False
    poster: bool = False
    language: str | None = None

    @classmethod
    def checked(
        cls,
        format: str = "mp4",
        quality: str = "l",
        max_size: str | int | None = None,
        transparent: bool = False,
        *,
        captions: bool = False,
        burn_captions: bool = False,
        poster: bool = False,
        language: str | None = None,
    ) -> RenderOptions:
        """Options from user input, checked together.

        Parameters
        ----------
        format : str
            One of :data:`convanim.output.ALL_FORMATS`.
        quality : str
            ``"l"``, ``"m"``, ``"h"`` or ``"k"``.
        max_size : str, int or None
            GIF budget: ``"5MB"``, ``"800KiB"`` or a number of bytes.
        transparent : bool
            Transparent background.
        captions, burn_captions, poster : bool
            As the attributes; captions need a video format (mp4, gif, webm).
        language : str or None
            One of :data:`convanim.spec.LANGUAGES`, or None.

        Raises
        ------
        UsageError
            Unknown format, quality or language, unreadable size, or options that do not go
            together.
        """
        from convanim.output import QUALITIES
        from convanim.output.formats import check_format, parse_size
        from convanim.spec import LANGUAGES

        if language is not None and language not in LANGUAGES:
            raise UsageError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
        if quality not in QUALITIES:
            raise UsageError(f"unknown quality {quality!r}; allowed: {', '.join(QUALITIES)}")
        max_bytes = parse_size(max_size) if isinstance(max_size, str) else max_size
        check_format(format, transparent=transparent, max_bytes=max_bytes)
        if (captions or burn_captions) and format not in ("mp4", "gif", "webm"):
            flag = "--captions" if captions else "--burn-captions"
            raise UsageError(f"{flag} needs a video (mp4, gif or webm), not {format}")
        return cls(
            format, quality, max_bytes, transparent, captions, burn_captions, poster, language
        )

    def as_dict(self) -> dict[str, object]:
        """The options as they enter the cache key."""
        options: dict[str, object] = {
            "format": self.format,
            "quality": self.quality,
            "max_bytes": self.max_bytes,
            "transparent": self.transparent,
        }
        for name in ("captions", "burn_captions", "poster"):
            if getattr(self, name):  # only when set: the keys of plain renders stay as they were
                options[name] = True
        if self.language is not None:
            options["language"] = self.language
        return options

    def applied_to(self, spec: SceneSpec) -> SceneSpec:
        """``spec`` as these options render it (``language`` overriding ``labels.language``)."""
        return spec.with_language(self.language)

    def extra_outputs(self, output: Path) -> list[Path]:
        """The files written beside ``output`` (captions, poster) with these options."""
        from convanim.pipeline.teaching import caption_path, poster_path

        extra = [caption_path(output)] if self.captions else []
        if self.poster and self.format in ("mp4", "webm"):
            extra.append(poster_path(output))
        return extra


@dataclass(frozen=True)
class RenderTask:
    """One spec to render.

    Attributes
    ----------
    spec : Path
        The YAML spec.
    output : Path
        Where the output goes.
    options : RenderOptions
        Format, quality, size budget, transparency.
    force : bool
        Render even if the output is up to date.
    segment_jobs : int
        Processes that render segments of this one scene (1: in this process).
    """

    spec: Path
    output: Path
    options: RenderOptions
    force: bool = False
    segment_jobs: int = 1


@dataclass(frozen=True)
class TaskResult:
    """What happened to one task.

    Attributes
    ----------
    spec, output : Path
        As in the task.
    status : {"rendered", "skipped", "failed"}
        ``skipped`` means the output was already up to date.
    bytes : int or None
        Size of the output on disk (None when failed).
    seconds : float
        Wall time spent on the task.
    message : str
        The one-line summary of what was written, or the error message.
    exit_code : int
        0 unless failed; then 2 for bad input (spec or arguments), 1 for anything else.
    """

    spec: Path
    output: Path
    status: Status
    bytes: int | None
    seconds: float
    message: str = ""
    exit_code: int = 0


def default_output(spec_path: Path, fmt: str) -> Path:
    """``media/<spec stem>.<ext>`` (relative to the current folder); a PNG sequence is a folder
    ``media/<spec stem>/``."""
    if fmt == "png-seq":
        return Path("media") / spec_path.stem
    return Path("media") / f"{spec_path.stem}.{fmt}"


def output_paths(specs: Sequence[Path], fmt: str, output: Path | None) -> list[Path]:
    """Where each spec's output goes.

    Parameters
    ----------
    specs : sequence of Path
        The specs, in order.
    fmt : str
        Output format.
    output : Path or None
        ``-o``: a file for one spec (unless it is an existing folder), a folder for several.

    Returns
    -------
    list of Path
        One output per spec.

    Raises
    ------
    UsageError
        If two specs would write the same output (specs of the same name in different folders).
    """
    if output is None:
        paths = [default_output(spec, fmt) for spec in specs]
    elif len(specs) == 1 and not output.is_dir():
        paths = [output]
    else:
        paths = [output / default_output(spec, fmt).name for spec in specs]
    seen: dict[Path, Path] = {}
    for spec, path in zip(specs, paths, strict=True):
        key = path.resolve()
        if key in seen:
            raise UsageError(
                f"{seen[key]} and {spec} would both write {path}; rename one of them or render "
                "them separately with -o"
            )
        seen[key] = spec
    return paths


def plan_tasks(
    specs: Sequence[Path],
    options: RenderOptions,
    output: Path | None = None,
    *,
    force: bool = False,
    segment_jobs: int = 1,
) -> list[RenderTask]:
    """One task per spec, in order; a spec named twice is rendered once.

    Parameters
    ----------
    specs : sequence of Path
        The YAML specs.
    options : RenderOptions
        Shared settings.
    output : Path or None
        ``-o`` as in :func:`output_paths`.
    force : bool
        Render even when up to date.
    segment_jobs : int
        Processes per scene, used when there is a single spec (several specs render one per
        worker process instead).

    Returns
    -------
    list of RenderTask
    """
    unique: list[Path] = []
    seen: set[Path] = set()
    for spec in specs:
        if spec.resolve() not in seen:
            seen.add(spec.resolve())
            unique.append(spec)
    outputs = output_paths(unique, options.format, output)
    per_scene = segment_jobs if len(unique) == 1 else 1
    return [
        RenderTask(spec, out, options, force=force, segment_jobs=per_scene)
        for spec, out in zip(unique, outputs, strict=True)
    ]


ResultCallback = Callable[[TaskResult, int, int], None]
"""Called as ``on_result(result, done, total)`` when a task finishes, in completion order."""
