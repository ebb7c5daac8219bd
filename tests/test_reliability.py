"""Reliability end to end: real renders killed mid-way, byte-for-byte determinism, fuzzed specs,
drawing limits, environment faults (missing or read-only folders, a full disk, missing libraries
and fonts) and the batch cache under a killed write."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from convanim import limits
from convanim.batch import cache
from convanim.cli import main
from convanim.engine import plan
from convanim.errors import SpecError
from convanim.output import QUALITIES
from convanim.spec import loads
from convanim.storyboard import build

from .conftest import ROOT, SCENES
from .spec_fuzz import check_document, mutated_scenes, structured_specs, yamlish_text

STANDARD = SCENES / "standard_conv.yaml"
SHORT = """\
title: short
input: {shape: [3, 5, 5]}
ops: [{type: conv2d, out_channels: 2, kernel_size: 3}]
animation: {op_duration: 1.5}
"""
OLD = b"an earlier render\n" * 64


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CONVANIM_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        cwd=ROOT,
        timeout=600,
    )


def _start(*args: str) -> subprocess.Popen[str]:
    """A render in its own session, so its workers can be found and Ctrl-C sent to the group."""
    return subprocess.Popen(
        [sys.executable, "-m", "convanim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
        start_new_session=True,
    )


def _session(sid: int) -> list[int]:
    """Pids of the live processes of session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _gone(sid: int, seconds: float = 20.0) -> list[int]:
    """Wait until no process of the session is left; return those still there."""
    deadline = time.monotonic() + seconds
    while (left := _session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _writing(proc: subprocess.Popen[str], folder: Path) -> None:
    """Wait until the render has started writing hidden temporary data in ``folder``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for path in folder.rglob(".*"):
            inside_seg = any(p.name.startswith(".convanim-seg-") for p in path.parents)
            hidden_temp = ".tmp-" in path.name or inside_seg
            if hidden_temp and path.is_file() and path.stat().st_size > 0:
                time.sleep(0.3)
                assert proc.poll() is None, "the render ended before it could be stopped"
                return
        if proc.poll() is not None:
            raise AssertionError(f"render ended early: {proc.communicate()[1]}")
        time.sleep(0.05)
    raise AssertionError("no temporary output appeared")


# -- 1. atomic outputs under real signals ----------------------------------------------------

KILLED = [("mp4", 1), ("gif", 1), ("mp4", 2), ("gif", 2)]


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "jobs"), KILLED)
def test_sigterm_mid_render_keeps_the_old_output_and_leaves_nothing(
    tmp_path: Path, fmt: str, jobs: int
) -> None:
    target = tmp_path / f"X.{fmt}"
    target.write_bytes(OLD)
    proc = _start("render", str(STANDARD), "--format", fmt, "-o", str(target), "-j", str(jobs))
    _writing(proc, tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err == "convanim: stopped by SIGTERM\n"
    assert os.listdir(tmp_path) == [target.name], "no temporary file or folder is left"
    assert target.read_bytes() == OLD
    assert _gone(proc.pid) == [], "every worker stopped"


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_is_like_sigterm_with_a_short_message(tmp_path: Path, jobs: int) -> None:
    target = tmp_path / "X.mp4"
    target.write_bytes(OLD)
    proc = _start("render", str(STANDARD), "-o", str(target), "-j", str(jobs))
    _writing(proc, tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal sends Ctrl-C to the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "convanim: interrupted\n", "one line, no traceback (workers too)"
    assert os.listdir(tmp_path) == [target.name]
    assert target.read_bytes() == OLD
    assert _gone(proc.pid) == []


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "jobs"), [("mp4", 1), ("gif", 1), ("mp4", 2)])
def test_sigkill_mid_render_keeps_the_old_output(tmp_path: Path, fmt: str, jobs: int) -> None:
    target = tmp_path / f"X.{fmt}"
    target.write_bytes(OLD)
    proc = _start("render", str(STANDARD), "--format", fmt, "-o", str(target), "-j", str(jobs))
    _writing(proc, tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # SIGKILL cannot be caught: hidden temporaries may stay, never a broken output.
    left = sorted(set(os.listdir(tmp_path)) - {target.name})
    assert all(n.startswith((".X.tmp-", ".convanim-seg-")) for n in left), left
    assert _gone(proc.pid) == [], "workers die with their parent instead of rendering on"


def _batch(tmp_path: Path) -> tuple[list[str], Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("a", "b"):
        shutil.copy(STANDARD, specs / f"{name}.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.mp4").write_bytes(OLD)
    return [str(specs / "a.yaml"), str(specs / "b.yaml"), "-j", "2", "-o", str(out)], out


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_batch_leaves_no_workers_and_keeps_old_outputs(
    tmp_path: Path, sig: signal.Signals
) -> None:
    from convanim.output import probe

    args, out = _batch(tmp_path)
    proc = _start("render", *args)
    _writing(proc, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (128 + sig if sig == signal.SIGTERM else -sig)
    if sig == signal.SIGTERM:
        assert err.endswith("convanim: stopped by SIGTERM\n")
    assert _gone(proc.pid) == []
    assert (out / "a.mp4").read_bytes() == OLD
    # Workers remove their temporaries (after SIGKILL of the parent too: they get SIGTERM).
    assert [n for n in os.listdir(out) if n.startswith(".") and n != ".convanim-cache"] == []
    if (out / "b.mp4").exists():  # finished before the signal: complete
        assert probe(out / "b.mp4").frames > 0


# -- 2. determinism --------------------------------------------------------------------------


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_standard_scene_renders_byte_for_byte_twice(tmp_path: Path, fmt: str) -> None:
    outputs = []
    for seed in ("1", "2"):  # different hash seeds: no ordering may depend on set/dict hashing
        target = tmp_path / seed / f"standard.{fmt}"
        done = _cli(
            "render", str(STANDARD), "--format", fmt, "-o", str(target),
            env=_env(PYTHONHASHSEED=seed),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.render
@pytest.mark.slow
def test_every_format_and_jobs_render_byte_for_byte_twice(tmp_path: Path) -> None:
    spec = tmp_path / "short.yaml"
    spec.write_text(SHORT)
    runs = [("webm", "1"), ("png", "1"), ("mp4", "2"), ("gif", "2"), ("gif", "1")]
    made: dict[tuple[str, str], list[bytes]] = {}
    for fmt, jobs in runs:
        for attempt in ("a", "b") if (fmt, jobs) != ("gif", "1") else ("a",):
            target = tmp_path / attempt / f"{fmt}-{jobs}.{fmt}"
            done = _cli("render", str(spec), "--format", fmt, "-o", str(target), "-j", jobs)
            assert done.returncode == 0, done.stderr
            made.setdefault((fmt, jobs), []).append(target.read_bytes())
    for key, versions in made.items():
        assert all(v == versions[0] for v in versions), key
    # Frames are a pure function of time: a GIF from two processes' segments equals the GIF
    # drawn in one process.
    assert made[("gif", "2")][0] == made[("gif", "1")][0]


# -- 3. fuzzing (bounded; tools/fuzz_specs.py runs the long version) -------------------------


def _fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))


@_fuzz(120)
@given(structured_specs())
def test_fuzz_structured_specs_through_the_engine(text: str) -> None:
    check_document(text, seconds=20)


@_fuzz(80)
@given(mutated_scenes())
def test_fuzz_mutated_scenes_through_the_engine(text: str) -> None:
    check_document(text, seconds=20)


@_fuzz(300)
@given(yamlish_text)
def test_fuzz_yaml_punctuation(text: str) -> None:
    check_document(text, seconds=20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("input: {shape: [8, 7, 7]}\x00\nops: []\n",
         "fuzz.yaml:1:26: the character U+0000 is not allowed in YAML (a control character or a "
         "non-character); remove it"),
        ("input: {shape: [8, 7, 7]}\nops:\n  - type: conv2d\x7f\n",
         "fuzz.yaml:3:17: the character U+007F is not allowed in YAML (a control character or a "
         "non-character); remove it"),
    ],
)  # fmt: skip
def test_control_characters_found_by_the_fuzzer(text: str, expected: str) -> None:
    with pytest.raises(SpecError) as info:
        loads(text, filename="fuzz.yaml")
    assert str(info.value) == expected


def test_receptive_field_of_a_cell_no_input_reaches_found_by_the_fuzzer() -> None:
    text = """\
input: {shape: [8, 3, 3]}
ops:
  - {type: conv2d, out_channels: 4, kernel_size: 2, groups: 4}
  - {type: deform_conv2d, out_channels: 3, kernel_size: 1, stride: 2}
  - {type: conv_transpose2d, out_channels: 6, kernel_size: [2, 1], stride: 2, groups: 3,
     output_padding: 1}
animation: {receptive_field: true}
"""
    assert check_document(text).kind == "valid"


def test_the_long_fuzz_script_runs_and_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "fuzz_specs.py"), "--examples", "40", "--seed", "3"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("examples: 40 in ")
    assert "failures: 0" in done.stdout


# -- 4. limits: too slow or too big to draw, refused before work starts ----------------------


def _spec_file(tmp_path: Path, text: str, name: str = "big.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _chain(n: int) -> str:
    ops = "\n".join(
        "  - {type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}" for _ in range(n)
    )
    return f"input: {{shape: [4, 8, 8]}}\nops:\n{ops}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("input: {shape: [512, 512, 512]}\n"
         "ops: [{type: conv2d, out_channels: 4, kernel_size: 1}]\n",
         "big.yaml:1:16: input.shape: the input would have 134,217,728 elements; the limit is "
         "33,554,432: use a smaller input"),
        ("input: {shape: [64, 224, 224]}\n"
         "ops: [{type: conv2d, out_channels: 1024, kernel_size: 1}]\n",
         "big.yaml:2:7: ops[0]: the output of ops[0] would have 51,380,224 elements; the limit is "
         "33,554,432: use a smaller input or fewer channels"),
        ("input: {shape: [3, 64, 64]}\nops: [{type: conv2d, out_channels: 4, kernel_size: 3}]\n"
         "animation: {full_positions: 1000000}\n",
         "big.yaml:3:29: animation.full_positions: 3,844 window positions of ops[0] would play in "
         "full; the limit is 1,000: lower animation.full_positions (the other positions "
         "fast-forward) or use a smaller input"),
    ],
)  # fmt: skip
def test_too_big_to_compute_or_draw_is_refused_at_load(
    tmp_path: Path, text: str, expected: str
) -> None:
    result = CliRunner().invoke(main, ["inspect", str(_spec_file(tmp_path, text))])
    assert result.exit_code == 2
    assert result.stderr == f"convanim: error: {tmp_path}/{expected}\n"


def test_full_positions_meaning_all_of_a_small_tensor_is_fine() -> None:
    spec = loads(
        "input: {shape: [3, 7, 7]}\nops: [{type: conv2d, out_channels: 2, kernel_size: 3}]\n"
        "animation: {full_positions: 1000000}\n"
    )
    assert build(plan(spec)).duration < limits.MAX_VIDEO_SECONDS


def test_op_duration_at_4k_is_refused_before_the_first_frame(tmp_path: Path) -> None:
    spec = _spec_file(
        tmp_path,
        "input: {shape: [3, 7, 7]}\nops: [{type: conv2d, out_channels: 4, kernel_size: 3}]\n"
        "animation: {op_duration: 100000}\n",
    )
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["render", str(spec), "-q", "k", "-o", str(tmp_path / "x.mp4")]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"convanim: error: {spec}:3:26: animation.op_duration: the video would last 27.8 h; the "
        "limit is 10 min: lower animation.op_duration\n"
    )
    assert time.monotonic() - started < 30
    assert sorted(os.listdir(tmp_path)) == ["big.yaml"], "nothing was written"


def test_long_chains_fit_at_low_quality_but_not_at_4k() -> None:
    spec = loads(_chain(40), filename="chain.yaml")
    duration = build(plan(spec)).duration
    # Automatic pacing squeezes a long chain at most to 0.6x (storyboard/pacing.py): 218.28 s
    # (every op keeps a quick close-up of its first window).
    assert 150 < duration < limits.MAX_VIDEO_SECONDS
    limits.check_video(spec, duration, QUALITIES["l"])  # 3,275 frames at 480p: under 4 minutes
    with pytest.raises(SpecError) as info:
        limits.check_video(spec, duration, QUALITIES["k"])
    assert str(info.value) == (
        "chain.yaml:3:3: ops: the video would have 13,097 frames of 3840x2160 (4 min at 60 fps), "
        "too many to draw; at this quality the limit is 80 s of video: use a lower quality (-q m "
        "or -q l) or a shorter video (split the chain into several specs, or set "
        "animation.op_duration)"
    )
    longer = loads(_chain(130), filename="chain.yaml")
    with pytest.raises(SpecError, match=r"^chain.yaml:3:3: ops: the video would last 1\d min; "):
        limits.check_video(longer, build(plan(longer)).duration, QUALITIES["l"])


def test_a_poster_frame_of_a_long_video_is_fine(tmp_path: Path) -> None:
    spec = _spec_file(
        tmp_path,
        "input: {shape: [3, 7, 7]}\nops: [{type: conv2d, out_channels: 4, kernel_size: 3}]\n"
        "animation: {op_duration: 100000}\n",
    )
    result = CliRunner().invoke(
        main, ["render", str(spec), "--format", "png", "-o", str(tmp_path / "x.png")]
    )
    assert result.exit_code == 0, result.stderr


# -- 5. environment faults -------------------------------------------------------------------


def test_missing_output_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "poster.png"
    result = CliRunner().invoke(
        main, ["render", str(STANDARD), "--format", "png", "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_size > 0


def test_a_file_where_the_folder_goes_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "media").write_bytes(b"")
    target = tmp_path / "media" / "x.png"
    result = CliRunner().invoke(
        main, ["render", str(STANDARD), "--format", "png", "-o", str(target)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"convanim: error: cannot create the output folder {tmp_path / 'media'}: a file is in the "
        "way where a folder should be\n"
    )


def _mount(args: list[str], where: Path) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system needs root")
    done = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")


@pytest.fixture
def read_only(tmp_path: Path) -> object:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "X.mp4").write_bytes(OLD)
    _mount(["--bind", "-o", "ro", str(folder)], folder)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> object:
    folder = tmp_path / "full"
    folder.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=256k", "tmpfs"], folder)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_exit_2_and_keeps_the_old_output(read_only: Path) -> None:
    target = read_only / "X.mp4"
    result = CliRunner().invoke(main, ["render", str(STANDARD), "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"convanim: error: cannot write {target}: the folder {read_only} is not writable "
        "(read-only file system)\n"
    )
    assert target.read_bytes() == OLD


@pytest.mark.render
@pytest.mark.parametrize(("fmt", "jobs"), [("mp4", "1"), ("gif", "1"), ("mp4", "2")])
def test_a_full_disk_is_a_clear_error_and_keeps_the_old_output(
    tiny_disk: Path, fmt: str, jobs: str
) -> None:
    target = tiny_disk / f"X.{fmt}"
    target.write_bytes(OLD)
    done = _cli("render", str(STANDARD), "--format", fmt, "-o", str(target), "-j", jobs)
    assert done.returncode == 1
    assert done.stderr.startswith("convanim: error: could not write ")
    assert done.stderr.endswith(": no space left on the device; the old output is unchanged\n")
    assert target.read_bytes() == OLD
    assert os.listdir(tiny_disk) == [target.name]


@pytest.mark.render
def test_a_batch_goes_on_after_an_output_it_cannot_write(tmp_path: Path) -> None:
    specs = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for spec in specs:
        spec.write_text(SHORT)
    out = tmp_path / "out"
    (out / "a.png").mkdir(parents=True)  # a folder where a's poster goes
    result = CliRunner().invoke(
        main, ["render", *map(str, specs), "--format", "png", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert f"cannot write {out / 'a.png'}: a folder of that name is in the way" in result.stderr
    assert (out / "b.png").stat().st_size > 0


_EMPTY_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig></fontconfig>
"""


@pytest.mark.render
def test_missing_fonts_are_named_with_their_packages(tmp_path: Path) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text(_EMPTY_FONTS)
    target = tmp_path / "x.png"
    done = _cli(
        "render", str(STANDARD), "--format", "png", "-o", str(target),
        env=_env(FONTCONFIG_FILE=str(conf)),
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.endswith(
        "convanim: error: cannot render: the fonts DejaVu Sans, DejaVu Sans Mono are not "
        "installed (fontconfig does not find them), so texts would be drawn as empty boxes; "
        "install fonts-dejavu-core (Debian: apt-get install fonts-dejavu-core, or run "
        "`make install`)\n"
    )
    assert not target.exists()


_BLOCK_CAIRO = """
import sys

class _Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cairo":
            raise ImportError(
                "libcairo.so.2: cannot open shared object file: No such file or directory"
            )
        return None

sys.meta_path.insert(0, _Missing())
"""

_NO_CAIRO = (
    "cannot render: the drawing libraries do not load (libcairo.so.2: cannot open shared "
    "object file: No such file or directory); rendering needs manim and the system libraries "
    "libcairo2 libpango-1.0-0 (Debian: apt-get install libcairo2-dev libpango1.0-dev), or run "
    "`make install`"
)


@pytest.mark.render
def test_a_missing_system_library_is_a_clear_error_in_a_batch_too(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCK_CAIRO)
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    single = _cli(
        "render", str(STANDARD), "--format", "png", "-o", str(tmp_path / "x.png"), env=env
    )
    assert single.returncode == 1
    assert single.stderr == f"convanim: error: {_NO_CAIRO}\n"
    assert _cli("inspect", str(STANDARD), env=env).returncode == 0, "inspect needs no Cairo"
    specs = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for spec in specs:
        spec.write_text(SHORT)
    batch = _cli(
        "render", *map(str, specs), "--format", "png", "-j", "2", "-o", str(tmp_path / "out"),
        env=env,
    )  # fmt: skip
    assert batch.returncode == 1
    assert batch.stderr.count(_NO_CAIRO) == 2, "each spec says why, the pool does not break"
    assert "Traceback" not in batch.stderr


# -- 6. cache sidecars under a killed write --------------------------------------------------

_KILLED_SIDECAR = """
import os, signal, sys
from pathlib import Path
from convanim.batch import cache

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

cache.os.replace = killed  # dies after the temporary sidecar is written, before the rename
cache.write_sidecar(Path(sys.argv[1]), sys.argv[2], {})
"""


def test_a_sidecar_write_killed_midway_is_never_trusted_and_is_rebuilt(tmp_path: Path) -> None:
    output = tmp_path / "x.png"
    output.write_bytes(b"rendered")
    old_key, new_key = "a" * 64, "b" * 64
    assert cache.write_sidecar(output, old_key, {})
    output.write_bytes(b"rendered again")  # a new render landed, then its sidecar write died
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_SIDECAR, str(output), new_key],
        env=_env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL
    assert not cache.is_up_to_date(output, new_key), "the old sidecar does not vouch for it"
    assert not cache.is_up_to_date(output, old_key), "nor for the old key: the output changed"
    assert cache.write_sidecar(output, new_key, {})
    assert cache.is_up_to_date(output, new_key)


def test_a_corrupt_sidecar_renders_again_and_is_rewritten(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, SHORT, "short.yaml")
    target = tmp_path / "out" / "short.png"
    args = ["render", str(spec), "--format", "png", "-o", str(target)]
    assert CliRunner().invoke(main, args).stdout.startswith("wrote ")
    assert CliRunner().invoke(main, args).stdout.startswith("skipped ")
    sidecar = cache.sidecar_path(target)
    sidecar.write_bytes(sidecar.read_bytes()[: sidecar.stat().st_size // 2])  # partial entry
    assert CliRunner().invoke(main, args).stdout.startswith("wrote ")
    assert cache.read_sidecar(target) is not None
    assert CliRunner().invoke(main, args).stdout.startswith("skipped ")
