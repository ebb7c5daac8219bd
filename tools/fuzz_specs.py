"""Long fuzz run over the YAML loader and the engine (load, plan, timeline, video limits).

Every generated document must give a valid result or a SpecError with a clean message, within a
time limit per document and a cap on the process's memory (see ``tests/spec_fuzz.py`` for the
property and the generators). Unlike the bounded run in the test suite, this run does not stop
at the first failure: it records every failure (one example of each kind) and prints a summary.

Usage::

    python tools/fuzz_specs.py [--examples 20000] [--seconds 20] [--memory-gb 4] [--seed N]
                               [--kind all|structured|mutated|yaml]

Exit status 0 when no document failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.spec_fuzz import (  # noqa: E402
    TimeLimitExceeded,
    check_document,
    documents,
    mutated_scenes,
    structured_specs,
    yamlish_text,
)

KINDS = {
    "all": documents,
    "structured": structured_specs(),
    "mutated": mutated_scenes(),
    "yaml": yamlish_text,
}


@dataclass
class Tally:
    """What the run saw: outcomes, failures (first example of each), the slowest document."""

    examples: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: dict[str, str] = field(default_factory=dict)
    failure_counts: collections.Counter[str] = field(default_factory=collections.Counter)
    slowest: tuple[float, str] = (0.0, "")

    def record_failure(self, err: BaseException, text: str) -> None:
        """Count a failure under its type and the place it was raised."""
        frames = traceback.extract_tb(err.__traceback__)
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        key = (
            f"{type(err).__name__} at {where}: {str(err).splitlines()[0][:160] if str(err) else ''}"
        )
        self.failure_counts[key] += 1
        self.failures.setdefault(key, text)


def run(examples: int, seconds: float, kind: str, seed_value: int | None) -> Tally:
    """Fuzz ``examples`` documents of ``kind``; never raises for a failing document."""
    tally = Tally()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(KINDS[kind])
    def fuzz(text: str) -> None:
        tally.examples += 1
        started = time.perf_counter()
        try:
            outcome = check_document(text, seconds=seconds)
        except (Exception, TimeLimitExceeded) as err:  # a failure of the property: record it
            tally.outcomes["FAILED"] += 1
            tally.record_failure(err, text)
            return
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > tally.slowest[0]:
                tally.slowest = (elapsed, text)
        tally.outcomes[f"{outcome.kind} ({outcome.stage})"] += 1

    if seed_value is not None:
        fuzz = seed(seed_value)(fuzz)
    fuzz()
    return tally


def summary(tally: Tally, wall: float, memory_gb: float) -> str:
    """The report printed at the end of a run."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"examples: {tally.examples} in {wall:.0f} s ({tally.examples / max(wall, 1e-9):.1f}/s)",
        f"peak memory: {peak_mb:.0f} MB (cap {memory_gb:g} GB); slowest document: "
        f"{tally.slowest[0]:.2f} s",
        "outcomes:",
    ]
    lines += [f"  {name}: {count}" for name, count in sorted(tally.outcomes.items())]
    lines.append(f"failures: {sum(tally.failure_counts.values())}")
    for key, count in tally.failure_counts.most_common():
        lines.append(f"  {count} x {key}")
        example = tally.failures[key]
        lines.append("    example: " + repr(example[:400]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer from the command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per document")
    parser.add_argument("--memory-gb", type=float, default=4.0, help="address-space cap")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--kind", choices=sorted(KINDS), default="all")
    args = parser.parse_args(argv)
    cap = int(args.memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    started = time.perf_counter()
    tally = run(args.examples, args.seconds, args.kind, args.seed)
    print(summary(tally, time.perf_counter() - started, args.memory_gb))
    return 1 if tally.failure_counts else 0


if __name__ == "__main__":
    st.register_type_strategy  # noqa: B018  (hypothesis imported before the memory cap applies)
    sys.exit(main())
