"""A course on one machine: the local process pool against a two-worker Dask LocalCluster.

Run from the repository root (needs ``convanim[cluster]``)::

    .venv/bin/python benchmarks/course.py                       # every scene in scenes/ at -q l
    .venv/bin/python benchmarks/course.py --limit 8             # the first 8 (by name)
    .venv/bin/python benchmarks/course.py --only standard_conv,pooling -q m
    .venv/bin/python benchmarks/course.py --limit 8 --repeat 2   # two rounds, and their medians

The local pool is one ``convanim render SPECS --force -o DIR -j N`` in a child process. For the
cluster, this script first starts the ``LocalCluster`` that ``--cluster local:N`` starts (N
one-thread worker processes set up by ``convanim.batch.dask_setup``) and waits for them (its
start-up is timed on its own: a course rendered on a cluster that is already running does not
pay it), then times
``convanim render SPECS --force -o DIR --cluster ADDRESS`` in a child process. The script
prints, per case, the wall time and the CPU time of every process involved (the command, the
pool's workers; for the cluster also the scheduler, nannies and workers while the batch runs),
the ratios of the cluster's figures to the pool's, without and with the start-up (on one
machine the cluster should cost less than 15 % more), and whether the two cases wrote the same
bytes. With ``--repeat R`` it runs R rounds, starting a new cluster in each and alternating
which case goes first, and prints the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENES = ROOT / "scenes"


def _cpu_of_children() -> float:
    """User + system CPU of the finished children (and the children they waited for)."""
    t = os.times()
    return t.children_user + t.children_system


def _cpu_of_tree() -> float:
    """User + system CPU of this process and of every process it started that still runs (the
    LocalCluster's scheduler runs in this process; its nannies and workers below it)."""
    import psutil

    total = 0.0
    me = psutil.Process()
    for process in (me, *me.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += times.user + times.system
    return total


def timed(action: Callable[[], Any]) -> tuple[Any, float, float]:
    """``action()``, its wall time and the CPU time this process tree spent meanwhile."""
    cpu = _cpu_of_tree() + _cpu_of_children()
    started = time.perf_counter()
    value = action()
    wall = time.perf_counter() - started
    return value, wall, _cpu_of_tree() + _cpu_of_children() - cpu


def run_case(label: str, specs: list[Path], out: Path, extra: list[str], quality: str) -> dict:
    """Render ``specs`` with ``convanim render ... EXTRA`` in a child process; its figures (CPU:
    the child and its pool, and this process tree meanwhile: a running cluster's workers)."""
    command = [
        sys.executable, "-m", "convanim", "render", *map(str, specs), "-q", quality, "--force",
        "-o", str(out), *extra,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done, wall, cpu = timed(
        lambda: subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    )
    if done.returncode != 0:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stderr}")
    return {"label": label, "wall": wall, "cpu": cpu}


def start_cluster(workers: int) -> tuple[Any, dict]:
    """The LocalCluster ``--cluster local:N`` starts (N = ``workers``), all joined; and its
    start-up figures."""
    from distributed import Client

    from convanim.batch.cluster import local_cluster

    def start() -> Any:
        cluster = local_cluster(workers, dashboard_address=None)  # as --cluster local:N starts it
        with Client(cluster) as client:
            client.wait_for_workers(workers)
        return cluster

    cluster, wall, cpu = timed(start)
    return cluster, {"label": "cluster start-up", "wall": wall, "cpu": cpu}


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
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each: both cases)")
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
    # This checkout's convanim, here and in the cluster's worker processes (they inherit it).
    os.environ["PYTHONPATH"] = str(ROOT)
    sys.path.insert(0, str(ROOT))
    print(f"{len(specs)} scenes at -q {args.quality}, {n} processes; {os.cpu_count()} cores; "
          f"{args.repeat} round(s)")  # fmt: skip
    rounds: list[tuple[dict, dict, dict]] = []
    with tempfile.TemporaryDirectory(prefix="convanim-course-") as tmp:
        for number in range(args.repeat):
            # The order alternates (pool first, then cluster first) so that a change in the
            # machine's load does not always favour the same case.
            order = ("pool", "cluster") if number % 2 == 0 else ("cluster", "pool")
            figures: dict[str, dict] = {}
            for case in order:
                if case == "pool":
                    figures[case] = run_case(f"local pool -j {n}", specs, Path(tmp) / "local",
                                             ["-j", str(n)], args.quality)  # fmt: skip
                    continue
                cluster, figures["startup"] = start_cluster(n)
                with cluster:
                    figures[case] = run_case(f"cluster, {n} workers", specs,
                                             Path(tmp) / "cluster",
                                             ["--cluster", cluster.scheduler_address],
                                             args.quality)  # fmt: skip
            rounds.append((figures["pool"], figures["startup"], figures["cluster"]))
            _print_round(number + 1, *rounds[-1])
        same, total = _same_outputs(Path(tmp) / "local", Path(tmp) / "cluster")
    if len(rounds) > 1:
        medians = [
            {"label": f"median {label}", "wall": statistics.median(r[i]["wall"] for r in rounds),
             "cpu": statistics.median(r[i]["cpu"] for r in rounds)}
            for i, label in enumerate(("pool", "start-up", "cluster"))
        ]  # fmt: skip
        _print_round(0, *medians)
    print(f"byte-identical outputs: {same} of {total}")


def _print_round(number: int, local: dict, startup: dict, batch: dict) -> None:
    """One round's table (``number`` 0: the medians) and the cluster's ratios to the pool."""
    print(f"{'round ' + str(number) if number else 'medians':<20} {'wall s':>8} {'CPU s':>8}")
    for case in (local, startup, batch):
        print(f"{case['label']:<20} {case['wall']:>8.1f} {case['cpu']:>8.1f}")
    with_startup = {"wall": batch["wall"] + startup["wall"], "cpu": batch["cpu"] + startup["cpu"]}
    for label, case in (("cluster / pool", batch), ("with start-up", with_startup)):
        wall_ratio = case["wall"] / local["wall"]
        cpu_ratio = case["cpu"] / local["cpu"] if local["cpu"] else float("nan")
        print(f"{label:<15} wall {wall_ratio:.3f} ({(wall_ratio - 1) * 100:+.1f} %), "
              f"CPU {cpu_ratio:.3f} ({(cpu_ratio - 1) * 100:+.1f} %)")  # fmt: skip


if __name__ == "__main__":
    main()
