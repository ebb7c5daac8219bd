"""The code stays lint-clean: ``ruff check``, ``ruff format --check`` and ``mypy`` pass.

Each tool runs as a subprocess of this interpreter (``python -m ruff``, ``python -m mypy``) from
the repository root, so it reads the configuration in pyproject.toml. A tool that is not
installed (the ``dev`` extra) skips its test instead of failing it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from .conftest import ROOT

LINTED = ("convanim", "tests", "benchmarks", "tools")
"""Folders ruff checks and formats (mypy checks the packages pyproject.toml lists)."""


def _run_tool(module: str, *args: str, timeout: float) -> None:
    """Run ``python -m module args`` in the repository root; fail with its output if it fails."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"{module} {' '.join(args)} failed:\n{output}"


def test_ruff_check() -> None:
    _run_tool("ruff", "check", *LINTED, timeout=60)


def test_ruff_format() -> None:
    _run_tool("ruff", "format", "--check", *LINTED, timeout=60)


@pytest.mark.slow
def test_mypy() -> None:
    # A few seconds with mypy's cache (.mypy_cache), about half a minute without it.
    _run_tool("mypy", timeout=300)
