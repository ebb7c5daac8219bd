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
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from convanim.batch.task import RenderOptions, RenderTask
from convanim.errors import ConvanimError

if TYPE_CHECKING:
    from convanim.output import OutputReport
    from convanim.spec import SceneSpec

__all__ = [
    "RemoteFailure",
    "RemoteJob",
    "RemoteOutput",
    "SpecBundle",
    "bundle_spec",
    "install_output",
    "make_job",
    "run_job",
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
    from convanim.batch.worker import failure_message
    from convanim.version import build_identity, identity_mismatch

    started = time.perf_counter()
    mismatch = identity_mismatch(job.identity, build_identity())
    if mismatch is not None:
        return RemoteFailure(mismatch_message(mismatch), 1)
    try:
        with _RENDER_LOCK, tempfile.TemporaryDirectory(prefix="convanim-job-") as tmp:
            return _render_here(job, Path(tmp), started)
    except Exception as exc:  # reported like a local failure; the batch goes on
        return RemoteFailure(*failure_message(exc))


def mismatch_message(difference: str) -> str:
    """The error for a worker that renders with other code or libraries than the client."""
    import socket

    return (
        f"worker {socket.gethostname()} runs other code than this client ({difference}); "
        "install the same convanim (and libraries) on every worker"
    )


def _render_here(job: RemoteJob, tmp: Path, started: float) -> RemoteOutput:
    from convanim.batch.worker import output_settings
    from convanim.pipeline import render_spec
    from convanim.spec import loads

    spec_file = job.bundle.unpack(tmp / "spec")
    text = spec_file.read_bytes().decode("utf-8-sig")
    spec = loads(text, filename=job.bundle.shown, base_dir=spec_file.parent)
    out_dir = tmp / "out"
    out_dir.mkdir()
    output = out_dir / job.output_name
    task = RenderTask(Path(job.bundle.shown), output, job.options)
    report = render_spec(spec, output_settings(task))
    files = _collect(out_dir, output, job.options)
    return RemoteOutput(files, report, time.perf_counter() - started)


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
    from convanim.output.atomic import commit, discard, prepare_folder, temp_path

    folder = target.parent
    is_dir = options.format == "png-seq"
    prefix = f"{target.name}/"
    inside = [(n[len(prefix) :], d) for n, d in result.files if is_dir and n.startswith(prefix)]
    beside = [(n, d) for n, d in result.files if not (is_dir and n.startswith(prefix))]
    for name, data in beside:  # the output itself comes last (see _collect)
        _write_file(folder / name, data)
    if is_dir:
        prepare_folder(target, is_dir=True)
        temp = temp_path(target, suffix="", is_dir=True)
        try:
            for name, data in inside:
                path = temp / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            commit(temp, target)
        except BaseException:
            discard(temp)
            raise
    digest = output_digest(target)
    size = digest[0] if digest else 0
    return replace(result.report, path=target, bytes=size)


def _write_file(path: Path, data: bytes) -> None:
    """``data`` at ``path`` through a temporary file renamed into place."""
    from convanim.output.atomic import commit, discard, prepare_folder, temp_path

    prepare_folder(path)
    temp = temp_path(path)
    try:
        temp.write_bytes(data)
        commit(temp, path)
    except BaseException:
        discard(temp)
        raise
