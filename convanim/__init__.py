"""convanim: 3D animations of convolution-family operations from a short YAML spec.

The Python API mirrors the command line::

    import convanim
    spec = convanim.load_spec("scenes/standard_conv.yaml")
    data = convanim.inspect(spec)                 # the same data as `convanim inspect --json`
    path = convanim.render(spec, format="gif")    # media/standard_conv.gif
    convanim.show("scenes/standard_conv.yaml")    # in Jupyter: the GIF and the shape table

Heavy modules (the engine's ops, manim, PyAV) load on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.errors import ConvanimError, ShapeError, SpecError, UsageError

if TYPE_CHECKING:
    from convanim.display import Rendered
    from convanim.engine import Plan
    from convanim.spec import SceneSpec

__all__ = [
    "ConvanimError",
    "ShapeError",
    "SpecError",
    "UsageError",
    "inspect",
    "load_spec",
    "plan",
    "render",
    "show",
    "slides",
]


def __getattr__(name: str) -> Any:
    """``convanim.__version__``: the one version, read from the package metadata."""
    if name == "__version__":
        from convanim.version import version

        return version()
    raise AttributeError(f"module 'convanim' has no attribute {name!r}")


def load_spec(path: str | Path) -> SceneSpec:
    """Load and validate a YAML spec (raises :class:`SpecError` with file, line and YAML path)."""
    from convanim.spec import load

    return load(Path(path))


def _as_spec(spec_or_path: SceneSpec | str | Path) -> SceneSpec:
    if isinstance(spec_or_path, str | Path):
        return load_spec(spec_or_path)
    return spec_or_path


def plan(spec_or_path: SceneSpec | str | Path) -> Plan:
    """Compute every op of a spec (arrays, traces, costs, receptive field)."""
    from convanim.engine import plan as engine_plan

    return engine_plan(_as_spec(spec_or_path))


def inspect(spec_or_path: SceneSpec | str | Path, *, values: bool = False) -> dict[str, Any]:
    """The data ``convanim inspect --json [--values]`` prints, as a dict."""
    from convanim.engine.report import plan_to_dict

    return plan_to_dict(plan(spec_or_path), values=values)


def render(
    spec_or_path: SceneSpec | str | Path,
    *,
    format: str = "mp4",
    quality: str = "l",
    output: str | Path | None = None,
    max_size: str | int | None = None,
    transparent: bool = False,
    captions: bool = False,
    burn_captions: bool = False,
    language: str | None = None,
    jobs: int = 1,
    force: bool = False,
    cluster: str | Any | None = None,
) -> Path:
    """Render a spec and return the path of the written file.

    Parameters
    ----------
    spec_or_path : SceneSpec, str or Path
        A spec file, or a loaded spec.
    format : {"mp4", "gif", "webm", "png", "png-seq"}
        Output format; ``png`` is a poster frame, ``png-seq`` a folder of frames.
    quality : {"l", "m", "h", "k"}
        854×480@15, 1280×720@30, 1920×1080@60, 3840×2160@60.
    output : str, Path or None
        Where to write; default ``media/<spec stem>.<ext>`` (``media/scene.<ext>`` for a spec
        that was not loaded from a file).
    max_size : str, int or None
        GIF only: largest file size (``"5MB"`` or bytes).
    transparent : bool
        Transparent background (WebM, PNG, PNG sequence).
    captions : bool
        Also write WebVTT captions beside the video (``<output stem>.vtt``; mp4, gif, webm).
    burn_captions : bool
        Draw the captions into the frames (for GIFs).
    language : {"en", "zh"} or None
        Overrides the spec's ``labels.language``.
    jobs : int
        Processes rendering segments of this scene.
    force : bool
        For a spec file: render even if the output is up to date (same spec, ``.npy`` files,
        version and options as recorded by the last render). A loaded spec always renders.
    cluster : str, distributed.Client or None
        Render on a Dask cluster: a scheduler address (``"tcp://host:8786"``), ``"local:N"`` or
        a connected client (``convanim[cluster]``); a loaded spec goes as its file.

    Returns
    -------
    Path
        The output file (or folder).

    Raises
    ------
    SpecError
        The spec is invalid.
    UsageError
        Unknown format, quality or language, options that do not go together, an unwritable
        output.
    """
    from convanim.batch import RenderOptions, RenderTask, default_output, execute

    options = RenderOptions.checked(
        format, quality, max_size, transparent,
        captions=captions, burn_captions=burn_captions, language=language,
    )  # fmt: skip
    if cluster is not None and not isinstance(spec_or_path, str | Path):
        if not spec_or_path.source.file or not Path(spec_or_path.source.file).is_file():
            raise UsageError("rendering on a cluster needs a spec file, not a spec built in Python")
        spec_or_path = Path(spec_or_path.source.file)
    if isinstance(spec_or_path, str | Path):
        spec_path = Path(spec_or_path)
        target = Path(output) if output is not None else default_output(spec_path, format)
        task = RenderTask(spec_path, target, options, force=force, segment_jobs=jobs)
        if cluster is None:
            return execute(task).output
        from convanim.batch import run_batch

        (result,) = run_batch([task], cluster=cluster)
        if result.status == "failed":  # bad input (exit code 2) as the SpecError it was
            raise (
                SpecError(result.message)
                if result.exit_code == 2
                else ConvanimError(result.message)
            )
        return result.output

    from convanim.output import QUALITIES
    from convanim.pipeline import OutputSettings, render_spec

    spec = options.applied_to(spec_or_path)
    stem = Path(spec.source.file).stem if spec.source.file else "scene"
    target = Path(output) if output is not None else default_output(Path(stem), format)
    settings = OutputSettings(
        target, format, QUALITIES[quality], options.max_bytes, transparent,
        captions=captions, burn_captions=burn_captions,
    )  # fmt: skip
    return Path(render_spec(spec, settings, jobs=jobs).path)


def slides(
    spec_or_path: SceneSpec | str | Path,
    *,
    output: str | Path | None = None,
    quality: str = "l",
    language: str | None = None,
    jobs: int = 1,
    cluster: str | Any | None = None,
) -> Path:
    """Write a spec as a slide deck (``convanim slides``) and return the path of its page.

    Parameters
    ----------
    spec_or_path : SceneSpec, str or Path
        A spec file, or a loaded spec.
    output : str, Path or None
        The deck's folder; default ``media/slides/<spec stem>`` (``.../scene`` for a spec that
        was not loaded from a file). It holds ``index.html``, ``media/`` and
        ``slides/<stem>.json`` (the manim-slides presentation).
    quality : {"l", "m", "h", "k"}
        As for :func:`render`.
    language : {"en", "zh"} or None
        Overrides the spec's ``labels.language``.
    jobs : int
        Processes drawing the slides (not used with ``cluster``).
    cluster : str, distributed.Client or None
        Write the deck on a Dask cluster, as for :func:`render` (a loaded spec goes as its
        file); the deck comes back as files and is written here.

    Returns
    -------
    Path
        The deck's ``index.html``.

    Raises
    ------
    SpecError
        The spec is invalid, or its video too long to draw.
    UsageError
        Unknown quality or language, an unwritable output.
    """
    from convanim.output import QUALITIES
    from convanim.pipeline.deck import write_deck
    from convanim.spec import LANGUAGES

    if quality not in QUALITIES:
        raise UsageError(f"unknown quality {quality!r}; choose one of {', '.join(QUALITIES)}")
    if language is not None and language not in LANGUAGES:
        raise UsageError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
    spec = _as_spec(spec_or_path)
    stem = Path(spec.source.file).stem if spec.source.file else "scene"
    folder = Path(output) if output is not None else Path("media/slides") / stem
    if cluster is not None:
        from convanim.batch.cluster import write_decks_on_cluster

        if not spec.source.file or not Path(spec.source.file).is_file():
            raise UsageError("slides on a cluster need a spec file, not a spec built in Python")
        (report,) = write_decks_on_cluster(
            [(Path(spec.source.file), spec, folder)], quality, cluster, language=language
        )
        return report.page
    return write_deck(spec, folder, QUALITIES[quality], jobs=jobs, language=language).page


def show(
    spec_or_path: SceneSpec | str | Path,
    *,
    format: str = "gif",
    quality: str = "l",
    output: str | Path | None = None,
    max_size: str | int | None = None,
    jobs: int = 1,
    force: bool = False,
) -> Rendered:
    """Render a spec and return an object that Jupyter displays inline.

    The result shows the animation (embedded as base64: GIF or PNG in an image, MP4 or WebM in
    a video player) and the spec's shape tables and counts. Arguments are those of
    :func:`render` (``format`` one of gif, png, mp4, webm).

    Returns
    -------
    Rendered
        ``.path`` is the written file, ``.data`` what :func:`inspect` returns.
    """
    from convanim.display import MIME_TYPES, Rendered
    from convanim.output import QUALITIES

    if format not in MIME_TYPES:
        raise UsageError(
            f"show() embeds {', '.join(MIME_TYPES)}, not {format!r}; use render() for other formats"
        )
    spec = _as_spec(spec_or_path)
    source = spec_or_path if isinstance(spec_or_path, str | Path) else spec
    path = render(
        source, format=format, quality=quality, output=output, max_size=max_size, jobs=jobs,
        force=force,
    )  # fmt: skip
    return Rendered(path, format, inspect(spec), QUALITIES[quality].width)
