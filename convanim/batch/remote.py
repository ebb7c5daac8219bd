"""Render a spec on another machine: what travels to a worker, what comes back, and the client's
writing of it.

Nothing here imports Dask: :mod:`convanim.batch.cluster` submits :func:`run_job` as a task. A
:class:`RemoteJob` carries the spec's bytes and the bytes of every file it reads
(:func:`convanim.spec.files.spec_files`), so a worker needs no shared file system, and the
client's :func:`~convanim.version.build_identity`, which the worker compares with its own before
drawing anything (other code or other drawing libraries could draw other frames). The worker
renders into a private temporary folder and sends the output's bytes back as a
:class:`RemoteOutput`; the client writes them with :func:`install_output`, each file through a
temporary name and a rename (:mod:`convanim.output.atomic`), so a worker that dies mid-task leaves
nothing behind at the client, and an interrupted client leaves the old outputs as they were.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from convanim.batch.task import RenderOptions, RenderTask
from convanim.errors import ConvanimError

T = TypeVar("T")

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.pipeline import OutputSettings
    from convanim.pipeline.deck import DeckReport
    from convanim.spec import SceneSpec

__all__ = [
    "DeckJob",
    "RemoteDeck",
    "RemoteFailure",
    "RemoteJob",
    "RemoteOutput",
    "SpecBundle",
    "bundle_spec",
    "install_deck",
    "install_output",
    "make_deck_job",
    "make_job",
    "run_deck",
    "run_job",
    "run_join",
    "run_segment",
]

#: One render at a time per worker process: manim's configuration is process-wide, so two
#: threads of one worker (``dask worker --nthreads 2``) must not draw at once.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class SpecBundle:
    """A spec and the files it reads, as bytes.

    Attributes
    ----------
    shown : str
        The spec as the client named it (``scenes/a.yaml``): error messages quote it.
    name : str
        The spec's file name.
    text : bytes
        The spec file's bytes.
    files : tuple of (str, bytes)
        Each file the spec reads: its path relative to the spec's folder, as written, and its
        bytes.
    """

    shown: str
    name: str
    text: bytes
    files: tuple[tuple[str, bytes], ...] = ()

    def unpack(self, folder: Path) -> Path:
        """Write the spec and its files under ``folder``; return the spec's path there."""
        root = folder.resolve()
        for relative, data in ((self.name, self.text), *self.files):
            target = (root / relative).resolve()
            if not target.is_relative_to(root) or PurePosixPath(relative).is_absolute():
                raise ConvanimError(f"{self.shown}: the file {relative!r} leaves the spec's folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root / self.name

    def load(self, folder: Path) -> SceneSpec:
        """Unpack under ``folder`` and load the spec (messages name the client's file)."""
        from convanim.spec import loads

        spec_file = self.unpack(folder)
        text = spec_file.read_bytes().decode("utf-8-sig")
        return loads(text, filename=self.shown, base_dir=spec_file.parent)


def bundle_spec(spec_path: Path, spec: SceneSpec) -> SpecBundle:
    """The spec file and the files it reads, read on the client (paths as in the spec).

    Raises
    ------
    ConvanimError
        A file that cannot be read (it was checked when the spec loaded; it may have gone since).
    """
    from convanim.spec.files import spec_files

    try:
        text = spec_path.read_bytes()
        files = tuple(
            (relative, (spec.source.base_dir / relative).read_bytes())
            for relative in spec_files(spec)
        )
    except OSError as exc:
        raise ConvanimError(f"{spec_path}: cannot read {exc.filename}: {exc.strerror}") from None
    return SpecBundle(str(spec_path), spec_path.name, text, files)


@dataclass(frozen=True)
class RemoteJob:
    """One spec to render on a worker.

    Attributes
    ----------
    bundle : SpecBundle
        The spec and its files.
    output_name : str
        The output's file (or folder) name: the worker writes it under the same name, so names
        derived from it (captions, poster) match.
    options : RenderOptions
        Format, quality and the rest.
    identity : dict
        The client's :func:`~convanim.version.build_identity`.
    """

    bundle: SpecBundle
    output_name: str
    options: RenderOptions
    identity: dict[str, str]

    def load_spec(self, folder: Path) -> SceneSpec:
        """Unpack the spec into ``folder`` and load it as the options render it."""
        return self.options.applied_to(self.bundle.load(folder))


def make_job(task: RenderTask, spec: SceneSpec) -> RemoteJob:
    """The job of ``task`` (its spec already loaded on the client)."""
    from convanim.version import build_identity

    return RemoteJob(
        bundle_spec(task.spec, spec),
        task.output.name,
        task.options,
        build_identity(),
    )


@dataclass(frozen=True)
class RemoteOutput:
    """What a worker rendered.

    Attributes
    ----------
    files : tuple of (str, bytes)
        Paths relative to the output's folder (``x.mp4``, ``x.vtt``, ``x/frame_0000.png`` for a
        PNG sequence) and their bytes.
    report : OutputReport
        The writer's report, its path as on the worker.
    seconds : float
        Time the worker spent.
    """

    files: tuple[tuple[str, bytes], ...]
    report: OutputReport
    seconds: float


@dataclass(frozen=True)
class RemoteFailure:
    """A render that failed on the worker: the message and exit code the client reports."""

    message: str
    exit_code: int


def _collect(folder: Path, output: Path, options: RenderOptions) -> tuple[tuple[str, bytes], ...]:
    """The bytes of the output and the files beside it; the main output comes last."""
    files: list[tuple[str, bytes]] = []
    for extra in options.extra_outputs(output):
        files.append((extra.name, extra.read_bytes()))
    if output.is_dir():
        for item in sorted(p for p in output.rglob("*") if p.is_file()):
            files.append((item.relative_to(folder).as_posix(), item.read_bytes()))
    else:
        files.append((output.name, output.read_bytes()))
    return tuple(files)


def run_job(job: RemoteJob) -> RemoteOutput | RemoteFailure:
    """Worker task: check the identity, unpack the spec, render it, return the output's bytes.

    A bad spec or a failed render comes back as a :class:`RemoteFailure` (the task itself does
    not fail, so Dask does not retry it); only a worker that dies makes Dask run it again.

    Parameters
    ----------
    job : RemoteJob
        What to render.

    Returns
    -------
    RemoteOutput or RemoteFailure
    """
    started = time.perf_counter()
    return _on_worker(job, "convanim-job-", lambda tmp: _render_here(job, tmp, started))


def _on_worker(
    job: RemoteJob | DeckJob,
    prefix: str,
    work: Callable[[Path], T],
    *,
    failed: RemoteFailure | None = None,
    on_error: Callable[[], object] | None = None,
) -> T | RemoteFailure:
    """What every worker task does around its ``work``: refuse a job from other code (or one
    given ``failed``), then, one task at a time (manim's configuration is process-wide), run
    ``work(folder)`` in a private scratch folder. An exception comes back as a
    :class:`RemoteFailure` (after ``on_error()``), reported like a local failure: the task does
    not raise, so Dask does not retry what would fail again, and the batch goes on."""
    from convanim.batch.worker import failure_message

    failure = _checked(job) or failed
    if failure is not None:
        return failure
    try:
        with (
            _RENDER_LOCK,
            tempfile.TemporaryDirectory(prefix=prefix, dir=_scratch()) as tmp,
        ):
            return work(Path(tmp))
    except Exception as exc:
        if on_error is not None:
            on_error()
        return RemoteFailure(*failure_message(exc))


def _scratch() -> str | None:
    """Where a task's temporary folder goes: the Dask worker's own folder when there is one
    (Dask removes the folders of workers that died, so a killed task leaves nothing behind for
    long), else the system's temporary folder."""
    try:
        from distributed import get_worker

        return str(get_worker().local_directory)
    except (ImportError, ValueError, AttributeError):
        return None


def mismatch_message(difference: str) -> str:
    """The error for a worker that renders with other code or libraries than the client."""
    import socket

    return (
        f"worker {socket.gethostname()} runs other code than this client ({difference}); "
        "install the same convanim (and libraries) on every worker"
    )


def _settings(job: RemoteJob, output: Path) -> OutputSettings:
    from convanim.batch.worker import output_settings

    return output_settings(RenderTask(Path(job.bundle.shown), output, job.options), output)


def _render_here(job: RemoteJob, tmp: Path, started: float) -> RemoteOutput:
    from convanim.pipeline import render_spec

    spec = job.load_spec(tmp / "spec")
    out_dir = tmp / "out"
    out_dir.mkdir()
    output = out_dir / job.output_name
    report = render_spec(spec, _settings(job, output))
    files = _collect(out_dir, output, job.options)
    return RemoteOutput(files, report, time.perf_counter() - started)


def _checked(job: RemoteJob | DeckJob) -> RemoteFailure | None:
    from convanim.version import build_identity, identity_mismatch

    mismatch = identity_mismatch(job.identity, build_identity())
    return None if mismatch is None else RemoteFailure(mismatch_message(mismatch), 1)


#: The scene a worker process last drew segments of: its job and (renderer, extras), kept so
#: that the next segment of the same scene skips the renderer's warm-up (texts, layout).
_LAST_SCENE: dict[str, Any] = {}


def _segment_tools(job: RemoteJob, spec: SceneSpec, settings: OutputSettings) -> tuple[Any, Any]:
    from convanim.pipeline import build_timeline
    from convanim.pipeline.teaching import Extras
    from convanim.renderer import frame_renderer
    from convanim.renderer.environment import check_fonts, load_frames_module

    if _LAST_SCENE.get("job") != job:
        _LAST_SCENE.clear()
        timeline = build_timeline(spec)
        load_frames_module()
        check_fonts(timeline.title, timeline.view.language)
        renderer = frame_renderer(timeline, settings.frame_format)
        _LAST_SCENE.update(
            job=job, tools=(renderer, Extras.of(timeline, settings, draw_cover=False))
        )
    tools: tuple[Any, Any] = _LAST_SCENE["tools"]
    return tools


def run_segment(job: RemoteJob, index: int, start: int, stop: int) -> bytes | RemoteFailure:
    """Worker task: frames [start, stop) of ``job``'s video (MP4 or WebM), encoded on their own
    (see :mod:`convanim.pipeline.segments`); :func:`run_join` joins them.

    Returns
    -------
    bytes or RemoteFailure
        The segment file's bytes.
    """
    from convanim.pipeline.segments import Segment, encode_segment

    def work(folder: Path) -> bytes:
        spec = job.load_spec(folder / "spec")
        settings = _settings(job, folder / job.output_name)
        renderer, extras = _segment_tools(job, spec, settings)
        path = folder / f"segment{index:03d}.{job.options.format}"
        encode_segment(renderer, extras, settings, Segment(index, start, stop, path))
        return path.read_bytes()

    return _on_worker(job, "convanim-seg-", work, on_error=_LAST_SCENE.clear)


def run_join(job: RemoteJob, parts: list[bytes | RemoteFailure]) -> RemoteOutput | RemoteFailure:
    """Worker task: join the segments of :func:`run_segment` (in order) into ``job``'s output,
    with its chapters, cover, captions and poster, and return it as :func:`run_job` does."""
    from convanim.pipeline import build_timeline
    from convanim.pipeline.segments import join_segments
    from convanim.pipeline.teaching import Extras

    started = time.perf_counter()

    def work(folder: Path) -> RemoteOutput:
        spec = job.load_spec(folder / "spec")
        paths = []
        for index, data in enumerate(parts):
            paths.append(folder / f"segment{index:03d}.{job.options.format}")
            paths[-1].write_bytes(data)  # type: ignore[arg-type]
        out_dir = folder / "out"
        out_dir.mkdir()
        output = out_dir / job.output_name
        settings = _settings(job, output)
        report = join_segments(paths, settings, Extras.of(build_timeline(spec), settings))
        files = _collect(out_dir, output, job.options)
        return RemoteOutput(files, report, time.perf_counter() - started)

    failed = next((p for p in parts if isinstance(p, RemoteFailure)), None)
    return _on_worker(job, "convanim-join-", work, failed=failed)


def install_output(target: Path, options: RenderOptions, result: RemoteOutput) -> OutputReport:
    """Write a worker's output at ``target`` (and its captions, poster beside it), atomically.

    The files beside the output go first and the output last, so an output on disk always has
    its companions; each file (or the PNG sequence's folder) is written under a temporary name
    and renamed into place.

    Returns
    -------
    OutputReport
        The worker's report with the client's path and size.
    """
    from convanim.batch.cache import output_digest
    from convanim.output.atomic import write_bytes

    folder = target.parent
    is_dir = options.format == "png-seq"
    prefix = f"{target.name}/"
    inside = [(n[len(prefix) :], d) for n, d in result.files if is_dir and n.startswith(prefix)]
    beside = [(n, d) for n, d in result.files if not (is_dir and n.startswith(prefix))]
    for name, data in beside:  # the output itself comes last (see _collect)
        write_bytes(folder / name, data)
    if is_dir:
        _write_folder(target, inside, suffix="")
    digest = output_digest(target)
    size = digest[0] if digest else 0
    return replace(result.report, path=target, bytes=size)


def _write_folder(target: Path, files: list[tuple[str, bytes]], suffix: str | None = None) -> None:
    """A folder of ``files`` (paths relative to it) at ``target``, replacing what was there:
    written under a temporary name and renamed into place (``suffix`` as for
    :func:`~convanim.output.atomic.temp_path`)."""
    from convanim.output.atomic import commit, discard, prepare_folder, temp_path

    prepare_folder(target, is_dir=True)
    temp = temp_path(target, suffix=suffix, is_dir=True)
    try:
        root = temp.resolve()
        for name, data in files:
            path = (root / name).resolve()
            if not path.is_relative_to(root):
                raise ConvanimError(f"{target}: a worker sent the file {name!r} outside it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        commit(temp, target)
    except BaseException:
        discard(temp)
        raise


# --- slide decks (``convanim slides``) --------------------------------------------------------


@dataclass(frozen=True)
class DeckJob:
    """One spec's slide deck to write on a worker (:func:`convanim.pipeline.deck.write_deck`).

    Attributes
    ----------
    bundle : SpecBundle
        The spec and its files.
    quality : str
        ``l``, ``m``, ``h`` or ``k``.
    language : str or None
        Overrides the spec's ``labels.language``.
    identity : dict
        The client's :func:`~convanim.version.build_identity`.
    """

    bundle: SpecBundle
    quality: str
    language: str | None
    identity: dict[str, str]


@dataclass(frozen=True)
class RemoteDeck:
    """A deck a worker wrote.

    Attributes
    ----------
    files : tuple of (str, bytes)
        Every file of the deck's folder (``index.html``, ``media/slide000.mp4``...), its path
        relative to the folder.
    report : DeckReport
        The deck's report, its paths as on the worker.
    seconds : float
        Time the worker spent.
    """

    files: tuple[tuple[str, bytes], ...]
    report: DeckReport
    seconds: float


def make_deck_job(
    spec_path: Path, spec: SceneSpec, quality: str, language: str | None = None
) -> DeckJob:
    """The deck job of the spec file ``spec_path`` (already loaded on the client as ``spec``)."""
    from convanim.version import build_identity

    return DeckJob(bundle_spec(spec_path, spec), quality, language, build_identity())


def run_deck(job: DeckJob) -> RemoteDeck | RemoteFailure:
    """Worker task: check the identity, unpack the spec, write its deck into a private folder
    and return the deck's files as bytes (a failure as a :class:`RemoteFailure`, as
    :func:`run_job` does).

    Parameters
    ----------
    job : DeckJob
        What to write.

    Returns
    -------
    RemoteDeck or RemoteFailure
    """
    from convanim.output import QUALITIES
    from convanim.pipeline.deck import write_deck

    started = time.perf_counter()

    def work(scratch: Path) -> RemoteDeck:
        spec = job.bundle.load(scratch / "spec")
        folder = scratch / "out" / Path(job.bundle.name).stem
        report = write_deck(spec, folder, QUALITIES[job.quality], language=job.language)
        files = tuple(
            (item.relative_to(folder).as_posix(), item.read_bytes())
            for item in sorted(folder.rglob("*"))
            if item.is_file()
        )
        return RemoteDeck(files, report, time.perf_counter() - started)

    return _on_worker(job, "convanim-deck-", work)


def install_deck(folder: Path, deck: RemoteDeck) -> DeckReport:
    """Write a worker's deck at ``folder`` (replacing what was there), atomically, as
    :func:`~convanim.pipeline.deck.write_deck` does locally.

    Returns
    -------
    DeckReport
        The worker's report with the client's paths.
    """
    _write_folder(folder, list(deck.files))
    report = deck.report
    return replace(
        report,
        page=folder / report.page.name,
        presentation=folder / "slides" / report.presentation.name,
    )
