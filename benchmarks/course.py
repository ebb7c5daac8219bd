"""A course on one machine: the local process pool against a two-worker Dask LocalCluster.

Run from the repository root (needs ``convanim[cluster]``)::

    .venv/bin/python benchmarks/course.py                       # every scene in scenes/ at -q l
    .venv/bin/python benchmarks/course.py --limit 6             # the first 6 (by name)
    .venv/bin/python benchmarks/course.py --only standard_conv,pooling -q m

Each case is one ``convanim render SPECS --force -o DIR`` in a child process: ``-j N`` (the
local pool), then ``--cluster local:N`` (a LocalCluster of N one-thread worker processes, started
and stopped by that command, so its start-up is counted). The script prints, per case, the wall
time, the CPU time of the command and every process it started (workers included), and the
ratios of the cluster's figures to the pool's: on one machine the cluster should cost less than
15 % more. It also says whether the two cases wrote the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENES = ROOT / "scenes"


def _cpu_of_children() -> float:
    """User + system CPU of the finished children (and the children they waited for)."""
    t = os.times()
    return t.children_user + t.children_system


def run_case(label: str, specs: list[Path], out: Path, extra: list[str], quality: str) -> dict:
    """Render ``specs`` with ``convanim render ... EXTRA`` in a child process; its figures."""
    command = [
        sys.executable, "-m", "convanim", "render", *map(str, specs), "-q", quality, "--force",
        "-o", str(out), *extra,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cpu = _cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stderr}")
    return {"label": label, "wall": wall, "cpu": _cpu_of_children() - cpu}


def _same_outputs(a: Path, b: Path) -> tuple[int, int]:
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    same = sum((a / n).read_bytes() == (b / n).read_bytes() for n in names if (b / n).is_file())
    return same, len(names)


def main() -> None:
    """Parse the arguments, run both cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated scene names (no .yaml)")
    parser.add_argument("--limit", type=int, default=0, help="the first N scenes by name")
    parser.add_argument("-q", "--quality", default="l", choices=("l", "m", "h", "k"))
    parser.add_argument("--workers", type=int, default=2, help="pool processes = cluster workers")
    args = parser.parse_args()

    specs = sorted(SCENES.glob("*.yaml"))
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        specs = [s for s in specs if s.stem in wanted]
    if args.limit:
        specs = specs[: args.limit]
    if not specs:
        sys.exit("no scenes selected")
    n = args.workers
    print(f"{len(specs)} scenes at -q {args.quality}, {n} processes; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="convanim-course-") as tmp:
        local = run_case(f"local pool -j {n}", specs, Path(tmp) / "local", ["-j", str(n)],
                         args.quality)  # fmt: skip
        cluster = run_case(f"cluster local:{n}", specs, Path(tmp) / "cluster",
                           ["--cluster", f"local:{n}"], args.quality)  # fmt: skip
        same, total = _same_outputs(Path(tmp) / "local", Path(tmp) / "cluster")
    print(f"{'case':<20} {'wall s':>8} {'CPU s':>8}")
    for case in (local, cluster):
        print(f"{case['label']:<20} {case['wall']:>8.1f} {case['cpu']:>8.1f}")
    wall_ratio = cluster["wall"] / local["wall"]
    cpu_ratio = cluster["cpu"] / local["cpu"] if local["cpu"] else float("nan")
    print(f"cluster / pool: wall {wall_ratio:.3f} ({(wall_ratio - 1) * 100:+.1f} %), "
          f"CPU {cpu_ratio:.3f} ({(cpu_ratio - 1) * 100:+.1f} %)")  # fmt: skip
    print(f"byte-identical outputs: {same} of {total}")


if __name__ == "__main__":
    main()
