"""Peak memory (RSS) and wall time of rendering every scene, each in its own process.

    .venv/bin/python benchmarks/memory.py            # 480p15, every scene in scenes/
    .venv/bin/python benchmarks/memory.py -q h       # 1080p60
    .venv/bin/python benchmarks/memory.py -q h big_imagenet standard_conv

The target is a peak under 1.5 GB for every scene (issue "Render speed"); the script prints the
largest and exits 1 if a scene is over the limit.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 1500.0


def _child(scene: str, quality: str) -> None:
    sys.path.insert(0, str(ROOT))
    from convanim.output import QUALITIES
    from convanim.pipeline import OutputSettings, render_spec
    from convanim.spec import load

    started = time.perf_counter()
    spec = load(ROOT / "scenes" / f"{scene}.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        settings = OutputSettings(Path(tmp) / f"{scene}.mp4", "mp4", QUALITIES[quality])
        report = render_spec(spec, settings)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    seconds = time.perf_counter() - started
    print(json.dumps({"frames": report.frames, "seconds": seconds, "rss_mb": rss}))


def main(argv: list[str] | None = None) -> int:
    """Render the scenes one by one and print frames, seconds and peak RSS for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenes", nargs="*", help="scene stems (default: every scene)")
    parser.add_argument("-q", "--quality", default="l", choices=["l", "m", "h", "k"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.quality)
        return 0
    names = args.scenes or sorted(p.stem for p in (ROOT / "scenes").glob("*.yaml"))
    print(f"{'scene':<28}{'frames':>7}{'wall s':>9}{'peak RSS MB':>13}")
    worst = 0.0
    for name in names:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, "-q", args.quality],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{name:<28}  failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        worst = max(worst, result["rss_mb"])
        print(f"{name:<28}{result['frames']:>7}{result['seconds']:>9.1f}{result['rss_mb']:>13.0f}")
    print(f"largest peak: {worst:.0f} MB (limit {LIMIT_MB:.0f} MB)")
    return 0 if worst <= LIMIT_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
