"""Rendering on a Dask cluster (``--cluster``): a LocalCluster of two worker processes renders
the same bytes as the local batch, survives a worker killed mid-task, reports bad specs as the
local batch does, and refuses workers that run other code.

The cluster is started once for the module (two one-thread worker processes); the specs are tiny
and short so that the whole module stays quick on a two-core machine. No test asserts a time.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.batch import RenderOptions, plan_tasks, run_batch
from convanim.batch.cache import cache_inputs
from convanim.batch.cluster import local_cluster, parse_address
from convanim.batch.remote import (
    DeckJob,
    RemoteFailure,
    RemoteJob,
    RemoteOutput,
    SpecBundle,
    install_output,
    run_deck,
    run_job,
)
from convanim.cli import main
from convanim.errors import UsageError
from convanim.spec import files as spec_files_module
from convanim.spec import load
from convanim.spec.files import spec_files
from convanim.version import build_identity

distributed = pytest.importorskip("distributed", reason="needs convanim[cluster] (distributed)")

pytestmark = pytest.mark.render

SPEC = (
    "title: Cluster {name}\n"
    "input: {{shape: [1, 4, 4]{values}}}\n"
    "ops:\n  - {{type: conv2d, out_channels: 1, kernel_size: 2}}\n"
    "animation: {{op_duration: {seconds}}}\n"
)
BAD = "input: {shape: [0, 4, 4]}\nops:\n  - {type: conv2d, out_channels: 1, kernel_size: 2}\n"
#: Generous: the machine is shared; these only stop a hung test.
TIMEOUT = 600.0


def _spec(folder: Path, name: str, *, seconds: float = 1.5, npy: bool = False) -> Path:
    values = ""
    if npy:
        (folder / "data").mkdir(exist_ok=True)
        np.save(folder / "data" / f"{name}.npy", np.arange(16.0).reshape(1, 4, 4) / 7)
        values = f", values: data/{name}.npy"
    path = folder / f"{name}.yaml"
    path.write_text(SPEC.format(name=name, values=values, seconds=seconds), encoding="utf-8")
    return path


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="convanim", terminal_width=80, env=env)
    return result.exit_code, result.stdout, result.stderr


def _local_render(*args: str, command: str = "render") -> None:
    """``convanim render ARGS`` in a new Python process, the reference the cluster's workers
    (which drew other scenes before) must equal byte for byte."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "convanim", command, *args], capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _without_seconds(summary: str) -> str:
    """The summary table without its seconds column (times differ from run to run)."""
    return "\n".join(re.sub(r"\s+[\d.]+\s*$", "", line) for line in summary.splitlines())


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".tmp-" in p.name or p.name.endswith(".tmp")]


@pytest.fixture(scope="module")
def client() -> Any:
    import logging

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, timeout=TIMEOUT) as dask_client,
    ):  # fmt: skip
        dask_client.wait_for_workers(2, timeout=TIMEOUT)
        yield dask_client


# --- addresses and the identity check, no cluster needed ------------------------------------


def test_addresses() -> None:
    assert parse_address("local:2") == ("local", 2)
    assert parse_address(" tcp://10.0.0.5:8786 ") == ("tcp://10.0.0.5:8786", 0)
    for bad in ("", "local:", "local:0", "local:two"):
        with pytest.raises(UsageError):
            parse_address(bad)


def test_a_worker_with_other_code_refuses_the_task() -> None:
    identity = dict(build_identity(), source="0" * 64)
    bundle = SpecBundle("a.yaml", "a.yaml", BAD.encode())
    outcome = run_job(RemoteJob(bundle, "a.png", RenderOptions("png"), identity))
    assert isinstance(outcome, RemoteFailure)
    assert outcome.exit_code == 1
    assert "runs other code than this client (convanim source" in outcome.message
    assert "install the same convanim" in outcome.message


def test_a_worker_with_other_code_refuses_a_deck() -> None:
    identity = dict(build_identity(), source="0" * 64)
    bundle = SpecBundle("a.yaml", "a.yaml", BAD.encode())
    outcome = run_deck(DeckJob(bundle, "l", None, identity))
    assert isinstance(outcome, RemoteFailure)
    assert outcome.exit_code == 1
    assert "runs other code than this client (convanim source" in outcome.message


def test_files_a_spec_reads_come_from_registered_finders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load(_spec(tmp_path, "n", npy=True))
    assert spec_files(spec) == ["data/n.npy"]
    (tmp_path / "picture.png").write_bytes(b"not really a picture")
    finders = list(spec_files_module._FINDERS)
    monkeypatch.setattr(spec_files_module, "_FINDERS", finders)
    spec_files_module.file_finder(lambda s: ["picture.png", "data/n.npy"])
    assert spec_files(spec) == ["data/n.npy", "picture.png"]
    inputs = cache_inputs(tmp_path / "n.yaml", spec, RenderOptions("png"), "1.0")
    assert list(inputs["npy"]) == ["data/n.npy"]
    assert list(inputs["files"]) == ["picture.png"]


def test_a_job_carries_its_files_and_the_client_writes_the_output(tmp_path: Path) -> None:
    """In this process: the worker side reads nothing of the client's folder (the spec and its
    .npy exist only as bytes in the job), and the client writes what comes back."""
    source = tmp_path / "src"
    source.mkdir()
    spec_path = _spec(source, "n", npy=True)
    bundle = SpecBundle(
        "elsewhere/n.yaml", "n.yaml", spec_path.read_bytes(),
        (("data/n.npy", (source / "data" / "n.npy").read_bytes()),),
    )  # fmt: skip
    options = RenderOptions("png")
    outcome = run_job(RemoteJob(bundle, "n.png", options, build_identity()))
    assert isinstance(outcome, RemoteOutput), outcome
    out = tmp_path / "out" / "n.png"
    report = install_output(out, options, outcome)
    assert report.path == out and report.bytes == out.stat().st_size
    code, _, stderr = _run(
        "render", str(spec_path), "--format", "png", "-o", str(tmp_path / "l.png")
    )
    assert code == 0, stderr
    assert out.read_bytes() == (tmp_path / "l.png").read_bytes()
    assert _leftovers(tmp_path) == []


def test_a_job_renders_in_the_language_its_options_ask_for(tmp_path: Path) -> None:
    """``--language`` travels in the job's options: the worker's frame is the local one."""
    spec_path = _spec(tmp_path, "z")
    bundle = SpecBundle("z.yaml", "z.yaml", spec_path.read_bytes())
    options = RenderOptions("png", language="zh")
    job = RemoteJob(bundle, "z.png", options, build_identity())
    assert job.load_spec(tmp_path / "unpacked").labels.language == "zh"
    outcome = run_job(job)
    assert isinstance(outcome, RemoteOutput), outcome
    install_output(tmp_path / "out" / "z.png", options, outcome)
    for language in ("zh", "en"):
        code, _, stderr = _run(
            "render", str(spec_path), "--format", "png", "--language", language,
            "-o", str(tmp_path / f"{language}.png"),
        )  # fmt: skip
        assert code == 0, stderr
    remote = (tmp_path / "out" / "z.png").read_bytes()
    assert remote == (tmp_path / "zh.png").read_bytes()
    assert remote != (tmp_path / "en.png").read_bytes()


def test_a_png_sequence_comes_back_as_a_folder(tmp_path: Path) -> None:
    spec_path = _spec(tmp_path, "q", seconds=0.5)
    bundle = SpecBundle("q.yaml", "q.yaml", spec_path.read_bytes())
    options = RenderOptions("png-seq")
    outcome = run_job(RemoteJob(bundle, "q", options, build_identity()))
    assert isinstance(outcome, RemoteOutput), outcome
    target = tmp_path / "remote" / "q"
    target.mkdir(parents=True)
    (target / "stale.png").write_bytes(b"an old frame")  # replaced as a whole, as locally
    install_output(target, options, outcome)
    code, _, stderr = _run(
        "render", str(spec_path), "--format", "png-seq", "-o", str(tmp_path / "l")
    )
    assert code == 0, stderr
    local = sorted(p.name for p in (tmp_path / "l").iterdir())
    assert sorted(p.name for p in target.iterdir()) == local
    assert all((target / n).read_bytes() == (tmp_path / "l" / n).read_bytes() for n in local)
    assert _leftovers(tmp_path) == []


def test_bad_npy_in_a_job_is_reported_with_the_client_s_file_name(tmp_path: Path) -> None:
    spec_path = _spec(tmp_path, "n", npy=True)
    bundle = SpecBundle("scenes/n.yaml", "n.yaml", spec_path.read_bytes(), (("data/n.npy", b"x"),))
    outcome = run_job(RemoteJob(bundle, "n.png", RenderOptions("png"), build_identity()))
    assert isinstance(outcome, RemoteFailure)
    assert outcome.exit_code == 2
    assert outcome.message.startswith("scenes/n.yaml:2:")
    assert "'data/n.npy' is not a readable .npy file" in outcome.message


def test_without_distributed_cluster_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    spec = _spec(tmp_path, "a")
    code, _, stderr = _run("render", str(spec), "-o", str(tmp_path / "a.png"), "--format", "png",
                           "--cluster", "local:2")  # fmt: skip
    assert code == 2
    assert "convanim: error: --cluster needs Dask's distributed package: pip install" in stderr
    assert "convanim[cluster]" in stderr


# --- on the LocalCluster ----------------------------------------------------------------------


def test_three_specs_on_the_cluster_are_byte_identical_to_the_local_batch(
    tmp_path: Path, client: Any
) -> None:
    specs = [
        str(_spec(tmp_path, "a")),
        str(_spec(tmp_path, "b", npy=True)),
        str(_spec(tmp_path, "c")),
    ]
    # No restart: the workers drew other scenes in earlier tests, and a frame does not depend on
    # what its process drew before (test_segments.py), so their outputs equal a fresh process's.
    address = client.scheduler.address
    code, stdout, stderr = _run(
        "render", *specs, "-o", str(tmp_path / "remote"), "--cluster", address
    )
    assert code == 0, stderr
    assert "3 specs: 3 rendered, 0 skipped, 0 failed" in stdout
    assert re.search(r"^\[3/3\] wrote ", stderr, re.M), stderr
    _local_render(*specs, "-o", str(tmp_path / "local"))
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        remote, local = tmp_path / "remote" / name, tmp_path / "local" / name
        assert remote.read_bytes() == local.read_bytes(), name
        sidecar = Path(".convanim-cache") / f"{name}.json"
        assert (tmp_path / "remote" / sidecar).read_text() == (
            tmp_path / "local" / sidecar
        ).read_text()
    assert _leftovers(tmp_path) == []
    # Up to date now: nothing is submitted (the environment variable names the cluster).
    code, stdout, _ = _run("render", *specs, "-o", str(tmp_path / "remote"),
                           env={"CONVANIM_CLUSTER": address})  # fmt: skip
    assert code == 0
    assert "3 specs: 0 rendered, 3 skipped, 0 failed" in stdout


def test_a_bad_spec_gives_the_summary_and_exit_code_of_the_local_batch(
    tmp_path: Path, client: Any
) -> None:
    good = str(_spec(tmp_path, "good"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    common = ["render", good, str(bad), "--format", "png"]
    local = _run(*common, "-o", str(tmp_path / "local"))
    remote = _run(*common, "-o", str(tmp_path / "local"), "--force",
                  env={"CONVANIM_CLUSTER": client.scheduler.address})  # fmt: skip
    assert local[0] == remote[0] == 2
    assert _without_seconds(local[1]) == _without_seconds(remote[1])
    assert "2 specs: 1 rendered, 0 skipped, 1 failed" in remote[1]
    error = f"convanim: error: {bad}:1:17: input.shape[0]: must be a positive integer, got 0"
    assert error in local[2] and error in remote[2]
    assert remote[2].rstrip().endswith("1 of 2 specs failed")


def test_a_version_mismatch_is_refused(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import convanim.version

    real = convanim.version.build_identity()
    monkeypatch.setattr(convanim.version, "build_identity", lambda: dict(real, manim="0.0.1"))
    spec = _spec(tmp_path, "a")
    out = tmp_path / "a.png"
    code, _, stderr = _run("render", str(spec), "--format", "png", "-o", str(out),
                           "--cluster", client.scheduler.address)  # fmt: skip
    assert code == 1
    assert "the cluster's workers run other code than this client" in stderr
    assert f"manim {real['manim']} here, 0.0.1 expected" in stderr
    assert not out.exists()


def test_a_worker_killed_mid_task_leaves_no_partial_output(tmp_path: Path, client: Any) -> None:
    specs = [_spec(tmp_path, name, seconds=3.0) for name in ("k1", "k2", "k3")]
    out = tmp_path / "out"
    tasks = plan_tasks(specs, RenderOptions("mp4"), out)
    outcome: dict[str, Any] = {}

    def batch() -> None:
        try:
            outcome["results"] = run_batch(tasks, cluster=client)
        except BaseException as exc:  # reported by the assertions below
            outcome["error"] = exc

    thread = threading.Thread(target=batch, daemon=True)
    thread.start()
    victim = None
    deadline = time.monotonic() + TIMEOUT
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        for worker, keys in client.processing().items():
            running = [key for key in keys if str(key).startswith("convanim-k")]
            if running:
                victim, key = worker, running[0]
                break
        else:
            time.sleep(0.02)
    assert victim is not None, "no task was seen running"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    results = outcome["results"]
    assert [r.status for r in results] == ["rendered"] * 3, [r.message for r in results]
    assert sorted(p.name for p in out.iterdir()) == [
        ".convanim-cache",
        "k1.mp4",
        "k2.mp4",
        "k3.mp4",
    ]
    assert _leftovers(tmp_path) == []
    assert victim not in client.scheduler_info()["workers"]  # the killed worker was replaced
    # The kill hit the task while it ran: the scheduler took it back from the dead worker.
    story = [e for e in client.story(key) if e[0] == "scheduler"]
    assert any(e[2:4] == ("processing", "released") for e in story), story


def test_with_jobs_one_long_render_is_cut_into_segment_tasks(tmp_path: Path, client: Any) -> None:
    spec = str(_spec(tmp_path, "s", seconds=3.0))
    remote, local = tmp_path / "remote.mp4", tmp_path / "local.mp4"
    code, stdout, stderr = _run("render", spec, "-o", str(remote), "-j", "3", "--captions",
                                "--cluster", client.scheduler.address)  # fmt: skip
    assert code == 0, stderr
    assert stdout.startswith(f"wrote {remote} (")
    _local_render(spec, "-o", str(local), "-j", "3", "--captions")
    assert remote.read_bytes() == local.read_bytes()
    assert remote.with_suffix(".vtt").read_bytes() == local.with_suffix(".vtt").read_bytes()
    assert _leftovers(tmp_path) == []


def test_gallery_and_the_python_api_take_a_cluster(tmp_path: Path, client: Any) -> None:
    import convanim

    spec = _spec(tmp_path, "g")
    address = client.scheduler.address
    page = str(tmp_path / "page")
    code, stdout, stderr = _run(
        "gallery", str(spec), "-o", page, "--format", "png", "--cluster", address
    )
    assert code == 0, stderr
    assert "1 spec: 1 rendered, 0 skipped, 0 failed" in stdout
    assert 'src="g.png"' in (tmp_path / "page" / "index.html").read_text(encoding="utf-8")
    out = convanim.render(spec, format="png", output=tmp_path / "api.png", cluster=client)
    assert out.read_bytes() == (tmp_path / "page" / "g.png").read_bytes()
    with pytest.raises(convanim.SpecError, match="must be a positive integer"):
        bad = tmp_path / "bad.yaml"
        bad.write_text(BAD, encoding="utf-8")
        convanim.render(bad, format="png", output=tmp_path / "bad.png", cluster=client)


def test_slides_on_the_cluster_are_the_local_deck(tmp_path: Path, client: Any) -> None:
    spec = str(_spec(tmp_path, "deck", npy=True))
    remote, local = tmp_path / "remote", tmp_path / "local"
    code, stdout, stderr = _run("slides", spec, "-o", str(remote), "-q", "l",
                                "--cluster", client.scheduler.address)  # fmt: skip
    assert code == 0, stderr
    assert re.fullmatch(
        rf"wrote {remote}/deck/index.html \(\d+ slides\) and {remote}/deck/slides/deck.json\n",
        stdout,
    ), stdout
    assert f"[1/1] {remote}/deck/" in stderr
    _local_render(spec, "-o", str(local), "-q", "l", command="slides")
    ours, theirs = _files(remote / "deck"), _files(local / "deck")
    assert any(name.endswith("-reversed.mp4") for name in theirs)
    assert sorted(ours) == sorted(theirs)
    for name, data in theirs.items():
        assert ours[name] == data, name
    assert _leftovers(tmp_path) == []


def test_slides_on_the_cluster_refuse_a_bad_spec_as_locally(tmp_path: Path, client: Any) -> None:
    import convanim

    good = str(_spec(tmp_path, "good"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    local = _run("slides", good, str(bad), "-o", str(tmp_path / "local"))
    remote = _run("slides", good, str(bad), "-o", str(tmp_path / "remote"),
                  env={"CONVANIM_CLUSTER": client.scheduler.address})  # fmt: skip
    assert local[0] == remote[0] == 2
    error = f"convanim: error: {bad}:1:17: input.shape[0]: must be a positive integer, got 0"
    assert error in local[2] and error in remote[2]
    assert remote[1] == "" and not (tmp_path / "remote").exists()
    with pytest.raises(convanim.SpecError, match="must be a positive integer"):
        convanim.slides(bad, output=tmp_path / "api", cluster=client)
    assert not (tmp_path / "api").exists()


def test_the_slides_api_takes_a_cluster(tmp_path: Path, client: Any) -> None:
    import convanim

    spec = _spec(tmp_path, "api", seconds=0.5)
    page = convanim.slides(spec, output=tmp_path / "deck", quality="l", cluster=client)
    assert page == tmp_path / "deck" / "index.html"
    names = _files(tmp_path / "deck")
    assert "slides/api.json" in names and "media/slide000.mp4" in names
    assert b"media/slide000.mp4" in names["slides/api.json"]
    assert _leftovers(tmp_path) == []


def _task_keys(dask_scheduler: Any) -> list[str]:
    """Run on the scheduler: the keys of every task it holds."""
    return [str(key) for key in dask_scheduler.tasks]


def test_ctrl_c_cancels_the_submitted_tasks_and_writes_nothing(tmp_path: Path, client: Any) -> None:
    import _thread

    specs = [_spec(tmp_path, name, seconds=3.0) for name in ("i1", "i2", "i3")]
    out = tmp_path / "out"
    tasks = plan_tasks(specs, RenderOptions("mp4"), out)
    interrupted = threading.Event()

    def press_ctrl_c() -> None:
        """Once a task of the batch runs on a worker, KeyboardInterrupt in the main thread
        (what Ctrl-C does to the client)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            running = [k for keys in client.processing().values() for k in keys]
            if any(str(key).startswith("convanim-i") for key in running):
                interrupted.set()
                _thread.interrupt_main()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=press_ctrl_c, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt) as caught:
        run_batch(tasks, cluster=client)
    thread.join(TIMEOUT)
    assert interrupted.is_set()
    # ``caught`` keeps the batch's frames, and so its futures, alive until the end of the test:
    # only the cancellation can take their tasks off the scheduler.
    assert caught.type is KeyboardInterrupt

    def ours() -> list[str]:
        keys = client.run_on_scheduler(_task_keys)
        return [key for key in keys if key.startswith("convanim-i")]

    deadline = time.monotonic() + TIMEOUT
    while ours() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ours() == []
    assert [p for p in out.rglob("*") if p.suffix == ".mp4"] == []
    assert _leftovers(tmp_path) == []


def _profiled(dask_worker: Any) -> bool:
    """Run on a worker: whether Dask's statistical profiler samples its tasks."""
    return "profile" in dask_worker.periodic_callbacks


def _malloc_trim_threshold() -> str | None:
    """Run on a worker: the ``MALLOC_TRIM_THRESHOLD_`` its process was started with."""
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_n_starts_workers_without_dask_s_profiler_or_malloc_trimming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``local:N`` nannies preload convanim.batch.dask_setup, as the README's ``dask worker``
    command does: no statistical profiler, no ``MALLOC_TRIM_THRESHOLD_`` in the workers."""
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)  # the nanny copies this one
    with (
        local_cluster(1, dashboard_address=None) as cluster,
        distributed.Client(cluster, timeout=TIMEOUT) as dask_client,
    ):
        dask_client.wait_for_workers(1, timeout=TIMEOUT)
        assert list(dask_client.run(_profiled).values()) == [False]
        assert list(dask_client.run(_malloc_trim_threshold).values()) == [None]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_readme_s_commands_scheduler_worker_and_render(tmp_path: Path) -> None:
    """``dask scheduler``, ``dask worker ... --preload-nanny convanim.batch.dask_setup`` and
    ``convanim render ... --cluster tcp://HOST:PORT``, as the README writes them, in processes of
    their own: the worker is set up as convanim's are, and the output is the local render's."""
    import subprocess
    import sys

    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    root = str(Path(__file__).resolve().parent.parent)  # the worker runs this module's probes
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard"],
        [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
         "--preload-nanny", "convanim.batch.dask_setup", "--local-directory", str(tmp_path)],
    ]  # fmt: skip
    processes = [subprocess.Popen(command, **quiet) for command in commands]  # type: ignore[call-overload]
    try:
        with distributed.Client(address, timeout=TIMEOUT) as dask_client:
            dask_client.wait_for_workers(1, timeout=TIMEOUT)
            assert list(dask_client.run(_profiled).values()) == [False]
            assert list(dask_client.run(_malloc_trim_threshold).values()) == [None]
        spec_path = _spec(tmp_path, "readme", seconds=0.5)
        code, _, stderr = _run(
            "render", str(spec_path), "--format", "png", "-o", str(tmp_path / "c.png"),
            "--cluster", address,
        )  # fmt: skip
        assert code == 0, stderr
        _local_render(str(spec_path), "--format", "png", "-o", str(tmp_path / "l.png"))
        assert (tmp_path / "c.png").read_bytes() == (tmp_path / "l.png").read_bytes()
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
