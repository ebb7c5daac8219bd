"""Engine speed against PyTorch CPU, timed in the same run.

Usage::

    python benchmarks/engine.py [--repeats 20] [--warmup 3] [--max-ratio 3]

Every benchmark is a :class:`Case`: a name, the convanim call, and optionally the equivalent
PyTorch calls (float32 and float64). A case is timed as the best of ``--repeats`` runs after
``--warmup`` untimed runs; the ratio is convanim's time over torch's. Cases without a torch
counterpart (e.g. building traces) print only convanim's time. To add cases, append to the list
returned by :func:`cases`.

The engine computes in float64 (see ``convanim/engine/conv.py`` for why), so the target (within
3x of torch) is checked against torch in float64, the same arithmetic; the ratio against torch's
float32 kernels (oneDNN, Winograd for 3x3) is printed as well, for information. A float64 GEMM
alone costs about 4-5x torch's float32 convolution on this machine, so no float64 engine can meet
3x of float32 there.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convanim.engine.conv import conv2d  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One benchmark: ``ours`` and, keyed by a label such as ``"torch f32"``, torch equivalents."""

    name: str
    ours: Callable[[], object]
    torch: dict[str, Callable[[], object]] = field(default_factory=dict)
    target_ratio: float | None = None  # ours / torch[target_against] must stay under this
    target_against: str = "torch f64"


def best_time(fn: Callable[[], object], repeats: int, warmup: int) -> float:
    """Return the best wall time of ``fn`` in seconds over ``repeats`` runs after warm-up."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch


def conv2d_cases() -> list[Case]:
    """conv2d forward on 1x64x56x56, 3x3, padding 1, 64 output channels; dense and depthwise."""
    torch = _import_torch()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (1, 64, 56, 56))
    out: list[Case] = []
    for groups in (1, 64):
        w = rng.uniform(-1, 1, (64, 64 // groups, 3, 3))
        b = rng.uniform(-1, 1, 64)

        def ours(w: np.ndarray = w, b: np.ndarray = b, groups: int = groups) -> object:
            return conv2d(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1), groups)

        refs: dict[str, Callable[[], object]] = {}
        if torch is not None:
            for label, dtype in (("torch f32", torch.float32), ("torch f64", torch.float64)):
                tx, tw, tb = (torch.from_numpy(a).to(dtype) for a in (x, w, b))

                def ref(tx: Any = tx, tw: Any = tw, tb: Any = tb, groups: int = groups) -> object:
                    with torch.no_grad():
                        return torch.nn.functional.conv2d(tx, tw, tb, 1, 1, 1, groups)

                refs[label] = ref
        name = f"conv2d 1x64x56x56 k3 p1 64->64 groups={groups}"
        out.append(Case(name, ours, refs, target_ratio=3.0))
    return out


def cases() -> list[Case]:
    """All benchmark cases, in the order they are printed."""
    return conv2d_cases()


def run(selected: Sequence[Case], repeats: int, warmup: int) -> list[str]:
    """Time every case, print one block per case, and return the cases over their target."""
    over: list[str] = []
    for case in selected:
        ours = best_time(case.ours, repeats, warmup)
        print(case.name)
        print(f"  convanim (float64)  {ours * 1e3:9.2f} ms")
        ratios: dict[str, float] = {}
        for label, fn in case.torch.items():
            ref = best_time(fn, repeats, warmup)
            ratios[label] = ours / ref
            print(f"  {label:<18}  {ref * 1e3:9.2f} ms   ratio {ours / ref:5.2f}x")
        if case.target_ratio is not None and case.target_against in ratios:
            ratio = ratios[case.target_against]
            verdict = "ok" if ratio <= case.target_ratio else "OVER"
            print(f"  target <= {case.target_ratio:g}x of {case.target_against}: {verdict}")
            if ratio > case.target_ratio:
                over.append(case.name)
    return over


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmarks; exit 1 if ``--strict`` and a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per case (best kept)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before timing")
    parser.add_argument("-k", "--filter", default="", help="only cases whose name contains this")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a case misses its target"
    )
    args = parser.parse_args(argv)
    torch = _import_torch()
    if torch is None:
        print("torch is not installed: timing convanim only")
    else:
        print(
            f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}"
        )
    selected = [c for c in cases() if args.filter in c.name]
    over = run(selected, args.repeats, args.warmup)
    over += time_traces()
    if over and args.strict:
        print("missed target: " + "; ".join(over))
        return 1
    return 0


# --- traces (appended by the trace/plan helper; kept apart from the conv cases above) ----------


def time_traces(repeats: int = 5, target_seconds: float = 1.0) -> list[str]:
    """Time building every trace of the 1x64x56x56, 3x3, 64-channel case; print seconds.

    Builds the conv2d window traces (groups 1 and 64) with every window materialised as flat
    indices, the max-pool trace, and the transposed-conv trace (scatter stamps and the
    zero-insertion view). Returns ``["traces"]`` when the best time misses ``target_seconds``.
    """
    from convanim.engine.trace import pool_trace, transpose_trace, window_trace

    weight = np.zeros((64, 64, 3, 3))

    def build() -> object:
        built = []
        for groups in (1, 64):
            trace = window_trace(
                (56, 56), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                groups=groups, in_channels=64, out_channels=64,
            )  # fmt: skip
            built.append(trace.flat_indices())
        built.append(pool_trace((56, 56), 64, (3, 3), (2, 2), (1, 1), (1, 1), (28, 28)))
        tt = transpose_trace((56, 56), weight, (1, 1), (1, 1), (0, 0), (1, 1), 1)
        built.append(tt.scatter_flat_indices())
        built.append(tt.direct.flat_indices())
        return built

    best = best_time(build, repeats, 1)
    verdict = "ok" if best < target_seconds else "OVER"
    print("traces 1x64x56x56 3x3 (conv g=1 and g=64, max pool, transposed: all windows)")
    print(f"  convanim            {best:9.4f} s   target < {target_seconds:g} s: {verdict}")
    return [] if best < target_seconds else ["traces"]


if __name__ == "__main__":
    raise SystemExit(main())
