"""The table printed after a batch, and the batch's exit code."""

from __future__ import annotations

from collections.abc import Sequence

from convanim.batch.task import TaskResult

__all__ = ["batch_exit_code", "format_summary"]


def _size(result: TaskResult) -> str:
    from convanim.output import human_size

    return human_size(result.bytes) if result.bytes is not None else "-"


def format_summary(results: Sequence[TaskResult]) -> str:
    """An aligned table: spec, output, status, size, seconds; then a line of totals.

    Parameters
    ----------
    results : sequence of TaskResult
        In the order the specs were given.

    Returns
    -------
    str
        For example::

            spec                     output                 status    size     seconds
            scenes/standard.yaml     media/standard.gif     rendered  1.21 MB     14.3
            scenes/bad.yaml          media/bad.gif          failed    -            0.0
            2 specs: 1 rendered, 0 skipped, 1 failed
    """
    header = ("spec", "output", "status", "size", "seconds")
    rows = [(str(r.spec), str(r.output), r.status, _size(r), f"{r.seconds:.1f}") for r in results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths[:4], strict=True)]
        return "  ".join([*cells, row[4].rjust(widths[4])])

    counts = {s: sum(r.status == s for r in results) for s in ("rendered", "skipped", "failed")}
    noun = "spec" if len(results) == 1 else "specs"
    totals = f"{len(results)} {noun}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    return "\n".join([line(header), *(line(row) for row in rows), totals])


def batch_exit_code(results: Sequence[TaskResult]) -> int:
    """0 if nothing failed; 2 if every failure is bad input (a spec or argument); else 1."""
    codes = {r.exit_code for r in results if r.status == "failed"}
    if not codes:
        return 0
    return 2 if codes == {2} else 1
