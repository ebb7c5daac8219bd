"""Exceptions raised by convanim.

Every error a user can cause by what they wrote is a :class:`SpecError` (exit code 2) whose
message names the spec file, the line and column, and the YAML path of the offending field.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConvanimError", "SpecError", "ShapeError", "UsageError"]


class ConvanimError(Exception):
    """Base class of every error convanim raises on purpose (exit code 1)."""

    exit_code: int = 1


class SpecError(ConvanimError):
    """A problem with the spec a user wrote (exit code 2).

    ``str(err)`` is ``"{file}:{line}:{col}: {path}: {message}"``; parts that are unknown are left
    out.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col
        self.path = path
        super().__init__(self.__str__())

    def with_location(
        self,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        path: str | None = None,
    ) -> SpecError:
        """Return a copy of this error with the missing location parts filled in."""
        return type(self)(
            self.message,
            file=self.file if self.file is not None else file,
            line=self.line if self.line is not None else line,
            col=self.col if self.col is not None else col,
            path=self.path if self.path is not None else path,
        )

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        if self.path:
            where += f"{self.path}: "
        return where + self.message


class ShapeError(SpecError):
    """Shapes that do not work out.

    For example a kernel larger than the padded input, or groups that do not divide the channels.
    """


class UsageError(ConvanimError):
    """Bad command-line arguments: unknown format, unwritable output path (exit code 2)."""

    exit_code = 2
