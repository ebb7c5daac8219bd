"""Batch rendering: output paths, the content-hash cache and its sidecars, the summary table and
exit codes, and real batches through the command line (process pool, skips, --force)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.batch import (
    RenderOptions,
    TaskResult,
    cache_inputs,
    cache_key,
    is_up_to_date,
    output_paths,
    plan_tasks,
    read_sidecar,
    run_batch,
    sidecar_path,
    write_sidecar,
)
from convanim.batch.summary import batch_exit_code, format_summary
from convanim.cli import main
from convanim.errors import UsageError
from convanim.spec import load

OPS = "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 2}\n"
TINY = "title: Tiny {name}\ninput: {{shape: [1, 4, 4]}}\n" + OPS.replace("{", "{{").replace(
    "}", "}}"
)
NPY = "input: {shape: [1, 4, 4], values: x.npy}\n" + OPS
BAD = "input: {shape: [0, 4, 4]}\n" + OPS


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="convanim", terminal_width=80)
    return result.exit_code, result.stdout, result.stderr


# --- output paths and tasks ---------------------------------------------------------------


def test_default_outputs_go_to_media() -> None:
    specs = [Path("scenes/a.yaml"), Path("other/b.yml")]
    assert output_paths(specs, "gif", None) == [Path("media/a.gif"), Path("media/b.gif")]
    assert output_paths(specs[:1], "png-seq", None) == [Path("media/a")]


def test_o_is_a_file_for_one_spec_and_a_folder_for_several(tmp_path: Path) -> None:
    one = output_paths([Path("a.yaml")], "mp4", tmp_path / "x.mp4")
    assert one == [tmp_path / "x.mp4"]
    assert output_paths([Path("a.yaml")], "mp4", tmp_path) == [tmp_path / "a.mp4"]
    several = output_paths([Path("a.yaml"), Path("b.yaml")], "mp4", tmp_path / "out")
    assert several == [tmp_path / "out" / "a.mp4", tmp_path / "out" / "b.mp4"]


def test_two_specs_writing_one_output_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        output_paths([Path("x/a.yaml"), Path("y/a.yaml")], "gif", None)
    assert str(info.value) == (
        "x/a.yaml and y/a.yaml would both write media/a.gif; rename one of them or render them "
        "separately with -o"
    )


def test_tasks_dedupe_specs_and_segment_only_a_single_scene() -> None:
    options = RenderOptions("png")
    tasks = plan_tasks([Path("a.yaml"), Path("b.yaml"), Path("a.yaml")], options, segment_jobs=4)
    assert [t.spec for t in tasks] == [Path("a.yaml"), Path("b.yaml")]
    assert {t.segment_jobs for t in tasks} == {1}
    (single,) = plan_tasks([Path("a.yaml")], options, segment_jobs=4, force=True)
    assert single.segment_jobs == 4 and single.force


def test_options_are_checked_together() -> None:
    assert RenderOptions.checked("gif", "m", "5MB").max_bytes == 5_000_000
    with pytest.raises(UsageError, match="unknown quality 'x'; allowed: l, m, h, k"):
        RenderOptions.checked("gif", "x")
    with pytest.raises(UsageError, match="a size limit applies to gif only, not mp4"):
        RenderOptions.checked("mp4", "l", "5MB")
    with pytest.raises(UsageError, match="transparent background"):
        RenderOptions.checked("mp4", "l", None, True)


# --- cache keys and sidecars --------------------------------------------------------------


def _key(spec_path: Path, options: RenderOptions, version: str = "1.0") -> str:
    return cache_key(cache_inputs(spec_path, load(spec_path), options, version))


def test_key_changes_with_spec_bytes_options_and_version(tmp_path: Path) -> None:
    spec = _write(tmp_path, "a.yaml", TINY.format(name="a"))
    base = _key(spec, RenderOptions("gif"))
    assert _key(spec, RenderOptions("gif")) == base  # stable
    assert _key(spec, RenderOptions("gif"), "1.1") != base
    assert _key(spec, RenderOptions("mp4")) != base
    assert _key(spec, RenderOptions("gif", "m")) != base
    assert _key(spec, RenderOptions("gif", max_bytes=1000)) != base
    assert _key(spec, RenderOptions("png", transparent=True)) != _key(spec, RenderOptions("png"))
    spec.write_text(TINY.format(name="a") + "# a comment\n", encoding="utf-8")
    assert _key(spec, RenderOptions("gif")) != base


def test_key_follows_the_npy_files_a_spec_reads(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.arange(16.0).reshape(1, 4, 4))
    spec = _write(tmp_path, "n.yaml", NPY)
    inputs = cache_inputs(spec, load(spec), RenderOptions("png"), "1.0")
    assert list(inputs["npy"]) == ["x.npy"]
    before = cache_key(inputs)
    np.save(tmp_path / "x.npy", np.ones((1, 4, 4)))
    assert _key(spec, RenderOptions("png")) != before


def test_sidecar_round_trip_and_what_invalidates_it(tmp_path: Path) -> None:
    out = tmp_path / "media" / "a.gif"
    out.parent.mkdir()
    out.write_bytes(b"GIF89a fake")
    key = "a" * 64
    assert not is_up_to_date(out, key)  # no sidecar yet
    assert write_sidecar(out, key, {"why": "test"})
    assert sidecar_path(out) == tmp_path / "media" / ".convanim-cache" / "a.gif.json"
    entry = read_sidecar(out)
    assert entry is not None and entry.key == key and entry.output_bytes == 11
    assert is_up_to_date(out, key)
    assert not is_up_to_date(out, "b" * 64)  # another key
    out.write_bytes(b"GIF89a fakf")  # same size, other bytes
    assert not is_up_to_date(out, key)
    out.unlink()
    assert not is_up_to_date(out, key)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{",
        '{"format": 1, "key": "' + "a" * 64 + '"}',  # partial: no output record
        '{"format": 1, "key": "' + "a" * 64 + '", "output": {"bytes": "11", "sha256": "x"}}',
        '{"format": 2, "key": "'
        + "a" * 64
        + '", "output": {"bytes": 11, "sha256": "'
        + "0" * 64
        + '"}}',
        "[1, 2, 3]",
        "\xff\xfe",
    ],
)
def test_corrupt_or_partial_sidecars_are_treated_as_missing(tmp_path: Path, content: str) -> None:
    out = tmp_path / "a.gif"
    out.write_bytes(b"GIF89a fake")
    write_sidecar(out, "a" * 64, {})
    sidecar_path(out).write_bytes(content.encode("latin-1"))
    assert read_sidecar(out) is None
    assert not is_up_to_date(out, "a" * 64)


def test_sidecar_of_a_truncated_write_is_never_trusted(tmp_path: Path) -> None:
    out = tmp_path / "a.gif"
    out.write_bytes(b"GIF89a fake")
    write_sidecar(out, "a" * 64, {})
    text = sidecar_path(out).read_text()
    for cut in range(0, len(text), max(1, len(text) // 12)):
        sidecar_path(out).write_text(text[:cut])
        assert not is_up_to_date(out, "a" * 64), cut


# --- summary and exit codes -----------------------------------------------------------------


def _result(name: str, status: str, size: int | None, seconds: float, code: int = 0) -> TaskResult:
    return TaskResult(Path(f"scenes/{name}.yaml"), Path(f"media/{name}.gif"), status, size,  # type: ignore[arg-type]
                      seconds, "", code)  # fmt: skip


def test_summary_table_text() -> None:
    results = [
        _result("standard_conv", "rendered", 1_234_567, 14.26),
        _result("a", "skipped", 999, 0.0),
        _result("bad", "failed", None, 0.04, 2),
    ]
    assert format_summary(results) == (
        "spec                       output                   status    size     seconds\n"
        "scenes/standard_conv.yaml  media/standard_conv.gif  rendered  1.23 MB     14.3\n"
        "scenes/a.yaml              media/a.gif              skipped   999 B        0.0\n"
        "scenes/bad.yaml            media/bad.gif            failed    -            0.0\n"
        "3 specs: 1 rendered, 1 skipped, 1 failed"
    )


def test_exit_code_is_2_for_bad_specs_only_else_1() -> None:
    ok = _result("a", "rendered", 1, 0.1)
    bad = _result("b", "failed", None, 0.1, 2)
    broken = _result("c", "failed", None, 0.1, 1)
    assert batch_exit_code([ok]) == 0
    assert batch_exit_code([ok, bad]) == 2
    assert batch_exit_code([ok, bad, broken]) == 1


def test_a_pool_of_bad_specs_reports_each_and_goes_on(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.yaml", BAD)
    missing = tmp_path / "missing.yaml"
    tasks = plan_tasks([bad, missing], RenderOptions("png"), tmp_path / "out")
    seen: list[int] = []
    results = run_batch(tasks, jobs=2, on_result=lambda r, done, total: seen.append(done))
    assert seen == [1, 2]
    assert [r.status for r in results] == ["failed", "failed"]
    assert [r.exit_code for r in results] == [2, 2]
    assert results[0].message == f"{bad}:1:17: input.shape[0]: must be a positive integer, got 0"
    assert str(missing) in results[1].message


# --- the command line -----------------------------------------------------------------------


RENDER_HELP = """\
Usage: convanim render [OPTIONS] SPECS...

  Render each SPEC to a video or image (default media/<spec stem>.<ext>).

  An output is skipped when it is up to date: same spec and .npy files, same
  convanim version, same options (a sidecar in .convanim-cache/ beside it
  records them). Several specs end with a summary table; the exit code is 2 if
  bad specs failed, 1 if anything else failed.

  With --cluster (or $CONVANIM_CLUSTER) each spec is a task on a Dask cluster;
  the workers get the spec and its files with the task and send the output back,
  written here.

Options:
  -q, --quality [l|m|h|k]         l 854×480@15, m 1280×720@30, h 1920×1080@60, k
                                  3840×2160@60.  [default: l]
  --format [mp4|gif|webm|png|png-seq]
                                  Output format; png is a poster frame, png-seq
                                  a folder of frames.  [default: mp4]
  -o, --output PATH               Output file (one spec) or folder (several).
                                  Default: media/<spec stem>.<ext>.
  --max-size SIZE                 GIF only: largest file size, e.g. 5MB; frame
                                  rate, scale and palette are chosen to fit.
  --transparent                   Transparent background (webm, png and png-
                                  seq).
  --captions                      Also write WebVTT captions, <output stem>.vtt:
                                  one cue per step, in the video's language.
  --burn-captions                 Draw the captions into the frames (for GIFs,
                                  which no player shows captions on).
  --language [en|zh]              Language of the words on screen and in the
                                  captions (default: each spec's).
  -j, --jobs INTEGER RANGE        Worker processes: several specs render side by
                                  side; one spec is cut into segments rendered
                                  in parallel and joined.  [default: 1; x>=1]
  --force                         Render even the specs whose outputs are up to
                                  date.
  --no-cache                      Do not read or write the cache of text
                                  outlines (see `convanim cache info`).
  --cluster ADDRESS               Render on a Dask cluster: a scheduler address
                                  (tcp://HOST:8786) or local:N for N worker
                                  processes here. Default: $CONVANIM_CLUSTER.
                                  Needs convanim[cluster].
  -h, --help                      Show this message and exit.
"""


def test_render_help_text() -> None:
    code, out, _ = _run("render", "--help")
    assert code == 0
    assert out == RENDER_HELP


def test_jobs_must_be_positive() -> None:
    code, _, err = _run("render", "x.yaml", "-j", "0")
    assert code == 2 and "0 is not in the range x>=1" in err


@pytest.mark.render
def test_batch_renders_skips_and_forces(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", TINY.format(name="a"))
    b = _write(tmp_path, "b.yaml", TINY.format(name="b"))
    bad = _write(tmp_path, "bad.yaml", BAD)
    out = tmp_path / "out"
    code, stdout, stderr = _run("render", str(a), str(b), str(bad), "--format", "png",
                                "-o", str(out), "-j", "2")  # fmt: skip
    assert code == 2, stderr
    lines = stdout.splitlines()
    assert lines[0].split() == ["spec", "output", "status", "size", "seconds"]
    assert [line.split()[2] for line in lines[1:4]] == ["rendered", "rendered", "failed"]
    assert lines[4] == "3 specs: 2 rendered, 0 skipped, 1 failed"
    assert f"convanim: error: {bad}:1:17: input.shape[0]" in stderr
    assert stderr.rstrip().endswith("1 of 3 specs failed")
    assert (out / "a.png").exists() and (out / "b.png").exists() and not (out / "bad.png").exists()
    assert json.loads(sidecar_path(out / "a.png").read_text())["key"]
    assert not list(out.glob(".*tmp*")) and not list((out / ".convanim-cache").glob("*.tmp"))

    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    code, stdout, stderr = _run("render", str(a), str(b), "--format", "png", "-o", str(out))
    assert code == 0, stderr
    assert stdout.splitlines()[-1] == "2 specs: 0 rendered, 2 skipped, 0 failed"
    assert "skipped" in stderr and "is up to date (--force renders it again)" in stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")} == stamps

    # An edited spec, a corrupt sidecar and --force each render again.
    a.write_text(TINY.format(name="a") + "# edited\n", encoding="utf-8")
    sidecar_path(out / "b.png").write_text('{"format": 1, "key": ')
    code, stdout, _ = _run("render", str(a), str(b), "--format", "png", "-o", str(out))
    assert code == 0 and stdout.splitlines()[-1] == "2 specs: 2 rendered, 0 skipped, 0 failed"
    code, stdout, _ = _run("render", str(a), "--format", "png", "-o", str(out), "--force")
    assert code == 0 and stdout.startswith(f"wrote {out / 'a.png'}")
    code, stdout, _ = _run("render", str(a), "--format", "png", "-o", str(out))
    assert code == 0 and stdout.startswith(f"skipped {a}: {out / 'a.png'} is up to date")


@pytest.mark.render
def test_changed_options_or_npy_render_again(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.arange(16.0).reshape(1, 4, 4))
    spec = _write(tmp_path, "n.yaml", NPY)
    target = tmp_path / "n.png"
    assert _run("render", str(spec), "--format", "png", "-o", str(target))[0] == 0
    assert _run("render", str(spec), "--format", "png", "-o", str(target))[1].startswith("skipped")
    np.save(tmp_path / "x.npy", np.ones((1, 4, 4)))
    assert _run("render", str(spec), "--format", "png", "-o", str(target))[1].startswith("wrote")
    code, stdout, _ = _run("render", str(spec), "--format", "png", "-o", str(target),
                           "--transparent")  # fmt: skip
    assert code == 0 and stdout.startswith("wrote")
    assert os.path.getsize(target) > 0


def test_execute_renders_the_spec_in_the_segment_processes_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import convanim.pipeline as pipeline
    from convanim.batch import RenderTask, execute
    from convanim.output import OutputReport
    from convanim.version import version

    calls: list[tuple[object, ...]] = []

    def render_spec(spec: object, settings: pipeline.OutputSettings, progress: object = None,
                    jobs: int = 1) -> OutputReport:  # fmt: skip
        calls.append((getattr(spec, "title", None), settings.output, settings.format, jobs))
        settings.output.write_bytes(b"frames")
        return OutputReport(settings.output, settings.format, 6, 1, 15.0, 854, 480)

    monkeypatch.setattr(pipeline, "render_spec", render_spec)
    spec = _write(tmp_path, "a.yaml", TINY.format(name="a"))
    target = tmp_path / "a.png"
    result = execute(RenderTask(spec, target, RenderOptions("png"), segment_jobs=3))
    assert result.status == "rendered" and result.bytes == 6
    assert calls == [("Tiny a", target, "png", 3)]
    inputs = cache_inputs(spec, load(spec), RenderOptions("png"), version())
    assert is_up_to_date(target, cache_key(inputs))
