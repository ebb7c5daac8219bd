"""Render speed: convanim against a plain-Manim baseline of the same standard convolution.

Run from the repository root::

    .venv/bin/python benchmarks/render.py              # 480p15: baseline + three convanim scenes
    .venv/bin/python benchmarks/render.py --hd         # also the convanim scenes at 1080p60
    .venv/bin/python benchmarks/render.py --hd --baseline-hd   # and the baseline at 1080p60 (slow)

Every case runs in its own child process (so peak memory is that case's own) and prints frames,
wall seconds, ms per frame, CPU seconds (worker processes included) and the cores that makes on
average, peak RSS (of the largest process: with ``-j`` a worker's), and the ratio of ms per frame
against the baseline measured in the same run. The baseline is written the plain way: one manim
``Cube`` per tensor element in a ``ThreeDScene``, and the kernel box moved by one ``play`` per
output position.

Each convanim case starts with an empty cache of text outlines (``CONVANIM_CACHE_DIR``, a fresh
folder): the figures are those of a first run. ``standard_conv (warm)`` renders the standard conv
again with the cache the first render filled, which is what every later run of a course costs.
The last column divides CPU time per frame instead of wall time, which a shared, busy machine
disturbs less.

The last lines compare ``-j 2`` with ``-j 1`` for the standard conv (encoding-heavy) and the big
tensor (drawing-heavy). One process already draws in one thread while x264 encodes in others, so
it keeps more than one core busy; on a machine with C cores the most N processes can gain is C
divided by the cores one process uses, and the script prints that bound beside the measured
speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENES = {
    "standard_conv": ROOT / "scenes" / "standard_conv.yaml",
    "depthwise_separable": ROOT / "scenes" / "depthwise_separable.yaml",
    "big_tensor": ROOT / "scenes" / "big_tensor.yaml",
}
QUALITY = {"l": (854, 480, 15), "h": (1920, 1080, 60)}


def _peak_rss_mb() -> float:
    """Peak RSS of the largest process of the case: this one, or one of its -j workers."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024.0


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _measured(frames: int, started: float, cpu: float) -> dict[str, float]:
    """A case's figures, from the wall clock and CPU time read when it started."""
    return {
        "frames": frames,
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "rss_mb": _peak_rss_mb(),
    }


def _ms_per_frame(result: dict[str, float]) -> float:
    return 1000 * result["seconds"] / max(result["frames"], 1)


def _cpu_ms_per_frame(result: dict[str, float]) -> float:
    return 1000 * result["cpu"] / max(result["frames"], 1)


def run_baseline(quality: str, out_dir: Path) -> dict[str, float]:
    """Plain Manim: 8×7×7 input and 8×5×5 output as one Cube each, one play per kernel position."""
    import numpy as np
    from manim import (
        BLUE,
        DEGREES,
        GREEN,
        WHITE,
        YELLOW,
        Cube,
        ThreeDScene,
        VGroup,
        tempconfig,
    )
    from manim.renderer.cairo_renderer import CairoRenderer

    width, height, fps = QUALITY[quality]
    frames = [0]
    original = CairoRenderer.add_frame

    def counting_add_frame(self, frame, num_frames=1):  # type: ignore[no-untyped-def]
        frames[0] += num_frames
        return original(self, frame, num_frames)

    CairoRenderer.add_frame = counting_add_frame  # type: ignore[method-assign]

    class PlainConv(ThreeDScene):
        def construct(self) -> None:
            self.set_camera_orientation(phi=65 * DEGREES, theta=-50 * DEGREES, zoom=0.6)
            size = 0.25

            def block(c: int, h: int, w: int, color, shift) -> VGroup:  # type: ignore[no-untyped-def]
                cubes = VGroup()
                for k in range(c):
                    for i in range(h):
                        for j in range(w):
                            cube = Cube(
                                side_length=size,
                                fill_color=color,
                                fill_opacity=0.75,
                                stroke_color=WHITE,
                                stroke_width=1,
                            )
                            cube.move_to(np.array([j * size, -i * size, -k * size]) + shift)
                            cubes.add(cube)
                return cubes

            left = np.array([-3.0, 1.0, 0.0])
            right = np.array([1.5, 0.5, 0.0])
            self.add(block(8, 7, 7, BLUE, left), block(8, 5, 5, GREEN, right))
            kernel = Cube(side_length=size * 3, fill_color=YELLOW, fill_opacity=0.35)
            kernel.stretch(8 / 3, 2)
            kernel.move_to(left + np.array([size, -size, -3.5 * size]))
            self.add(kernel)
            for i in range(5):
                for j in range(5):
                    target = left + np.array([(j + 1) * size, -(i + 1) * size, -3.5 * size])
                    self.play(kernel.animate.move_to(target), run_time=0.4)
            self.wait(0.5)

    config = {
        "pixel_width": width,
        "pixel_height": height,
        "frame_rate": fps,
        "media_dir": str(out_dir),
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "write_to_movie": True,
    }
    started, cpu = time.perf_counter(), _cpu_seconds()
    with tempconfig(config):
        PlainConv().render()
    return _measured(frames[0], started, cpu)


def run_convanim(scene: Path, quality: str, out_dir: Path, jobs: int = 1) -> dict[str, float]:
    """convanim's own render of a scene to MP4 (spec, engine, storyboard, frames, encoding).

    manim is imported before the clock starts, as the baseline imports it before its own.
    """
    sys.path.insert(0, str(ROOT))
    import convanim.renderer.manim.frames  # noqa: F401  (imports manim)
    from convanim.output import QUALITIES
    from convanim.pipeline import OutputSettings, render_spec
    from convanim.renderer.manim import mobjects
    from convanim.spec import load

    # Time spent getting text outlines (laid out by Pango, or read from the cache), in this
    # process (with -j the workers' share is not counted).
    text_time = [0.0, 0.0]
    outline = mobjects.text_outline

    def timed_outline(*args: object, **kwargs: object) -> object:
        t0 = time.process_time()
        try:
            return outline(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            text_time[0] += time.process_time() - t0
            text_time[1] += 1

    mobjects.text_outline = timed_outline  # type: ignore[assignment]
    started, cpu = time.perf_counter(), _cpu_seconds()
    spec = load(scene)
    settings = OutputSettings(out_dir / f"{scene.stem}.mp4", "mp4", QUALITIES[quality])
    report = render_spec(spec, settings, jobs=jobs)
    result = _measured(report.frames, started, cpu)
    result.update(text_cpu=text_time[0], text_calls=text_time[1])
    return result


def _child(case: str, quality: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        if case == "baseline":
            return run_baseline(quality, Path(tmp))
        name, _, jobs = case.removesuffix(" (warm)").partition("@j")
        return run_convanim(SCENES[name], quality, Path(tmp), int(jobs or 1))


def _spawn(case: str, quality: str, cache_dir: Path) -> dict[str, float] | None:
    """Run one case in a child process whose text-outline cache is ``cache_dir``."""
    env = dict(os.environ, CONVANIM_CACHE_DIR=str(cache_dir))
    env.pop("CONVANIM_NO_CACHE", None)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", case, "--quality", quality],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        print(f"  {case} @ {quality}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _row(case: str, quality: str, result: dict[str, float], base: dict[str, float] | None) -> str:
    """One line of the table; the ratios against ``base`` (the baseline), if measured."""
    cores = result["cpu"] / max(result["seconds"], 1e-9)
    wall = f"{_ms_per_frame(base) / _ms_per_frame(result):.1f}×" if base else "-"
    cpu = f"{_cpu_ms_per_frame(base) / _cpu_ms_per_frame(result):.1f}×" if base else "-"
    return (
        f"{case:<22}{quality:<9}{result['frames']:>7.0f}{result['seconds']:>9.1f}"
        f"{_ms_per_frame(result):>10.1f}"
        f"{result['cpu']:>9.1f}{cores:>7.2f}{result['rss_mb']:>9.0f}{wall:>10}{cpu:>10}"
    )


def _jobs_summary(scene: str, quality: str, one: dict[str, float], two: dict[str, float]) -> str:
    """The -j 2 speed-up, and the most two cores allow given what -j 1 already uses."""
    speedup = one["seconds"] / two["seconds"]
    cores_one = one["cpu"] / one["seconds"]
    cores = os.cpu_count() or 1
    return (
        f"{scene} {quality}: -j 2 is {speedup:.2f}x as fast as -j 1; -j 1 already keeps "
        f"{cores_one:.2f} of {cores} cores busy, so {cores} processes can gain at most "
        f"{cores / cores_one:.2f}x (they spent {two['cpu'] / one['cpu']:.2f}x the CPU of -j 1)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hd", action="store_true", help="also render convanim scenes at 1080p60")
    parser.add_argument("--baseline-hd", action="store_true", help="also the baseline at 1080p60")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quality", default="l", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.quality)))
        return 0

    qualities = ["l", "h"] if args.hd else ["l"]
    print(
        f"{'case':<22}{'quality':<9}{'frames':>7}{'wall s':>9}{'ms/frame':>10}{'CPU s':>9}"
        f"{'cores':>7}{'RSS MB':>9}{'speed-up':>10}{'CPU s-up':>10}"
    )
    baseline: dict[str, dict[str, float]] = {}
    summaries: list[str] = []
    texts: dict[tuple[str, str], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="convanim-bench-cache-") as caches:
        for quality in qualities:
            if quality == "l" or args.baseline_hd:
                result = _spawn("baseline", quality, Path(caches) / f"baseline-{quality}")
                if result:
                    baseline[quality] = result
                    print(_row("plain manim baseline", quality, result, result))
            measured: dict[str, dict[str, float]] = {}
            for case in [*SCENES, "standard_conv (warm)", "standard_conv@j2", "big_tensor@j2"]:
                scene = case.partition("@j")[0].removesuffix(" (warm)")
                path = SCENES[scene]
                if not path.exists():
                    print(f"{case:<22}{quality:<9}  (scene missing: {path.name})")
                    continue
                # A fresh cache per case (cold); the warm case reuses the one its scene filled.
                folder = scene if case.endswith("(warm)") else case
                result = _spawn(case, quality, Path(caches) / f"{folder}-{quality}")
                if not result:
                    continue
                measured[case] = result
                texts[(case, quality)] = result
                print(_row(case, quality, result, baseline.get(quality)))
            for scene in SCENES:
                if scene in measured and f"{scene}@j2" in measured:
                    summaries.append(
                        _jobs_summary(scene, quality, measured[scene], measured[f"{scene}@j2"])
                    )
    for line in summaries:
        print(line)
    for quality in qualities:
        cold, warm = (
            texts.get(("standard_conv", quality)),
            texts.get(("standard_conv (warm)", quality)),
        )
        if cold and warm:
            print(
                f"standard_conv {quality}: text outlines took {1000 * cold['text_cpu']:.0f} ms CPU "
                f"cold ({100 * cold['text_cpu'] / cold['cpu']:.1f} % of the render's CPU) and "
                f"{1000 * warm['text_cpu']:.0f} ms warm "
                f"({100 * warm['text_cpu'] / warm['cpu']:.1f} %)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
