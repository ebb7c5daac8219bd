"""The shape table of the teaching material: rows Input / Kernel / Output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cell", "ShapeRow", "ShapeTable"]

Cell = int | str


@dataclass(frozen=True)
class ShapeRow:
    """One row of a :class:`ShapeTable`: a name and one cell per column (``"-"``: n/a)."""

    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class ShapeTable:
    """The table the teaching material uses: rows Input / Kernel / Output.

    Columns are ``batch, height, width, in_channel, out_channel`` (``conv3d`` adds ``depth``
    before ``height``). The Kernel row of a pooling op shows the window; ops without a window
    (channel shuffle, squeeze-excitation) have ``"-"`` in every Kernel cell.
    """

    columns: tuple[str, ...]
    rows: tuple[ShapeRow, ...]

    def row(self, name: str) -> ShapeRow:
        """The row called ``name`` (``"Input"``, ``"Kernel"`` or ``"Output"``)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def as_dict(self) -> dict[str, dict[str, Cell]]:
        """``{row name: {column: cell}}``, JSON-serialisable."""
        return {r.name: dict(zip(self.columns, r.cells, strict=True)) for r in self.rows}

    def format(self) -> str:
        """A plain-text table with aligned columns, one line per row plus a header."""
        header = ("", *self.columns)
        body = [(r.name, *(str(c) for c in r.cells)) for r in self.rows]
        widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

        def fmt(line: Sequence[str]) -> str:
            first = line[0].ljust(widths[0])
            rest = (cell.rjust(w) for cell, w in zip(line[1:], widths[1:], strict=True))
            return "  ".join((first, *rest)).rstrip()

        return "\n".join(fmt(line) for line in (header, *body))
