"""Under CI a skipped test fails the run, unless it is on an allow-list (no tests here).

A skip on a developer's machine says "this needs something you do not have"; on CI, where
everything is installed, it usually means a test silently stopped testing. :class:`SkipGuard` is
a pytest plugin: when the ``CI`` environment variable is set (to anything but ``""``, ``0``,
``false`` or ``no``), every skip, of a test or of a whole module, that is not on the allow-list
is listed at the end of the run and the run exits with status 1. tests/conftest.py registers it
with its allow-list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

__all__ = ["SkipGuard", "ci_is_set"]


def ci_is_set(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CI`` is set to something other than empty, ``0``, ``false`` or ``no``."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


class SkipGuard:
    """Fails a CI run that skipped tests not on ``allowed``.

    ``allowed`` maps a test id without its parameters (``tests/test_x.py::test_y``; a module
    path for a skipped module) to the reason it cannot run on CI.
    """

    def __init__(self, allowed: Mapping[str, str], *, enabled: bool) -> None:
        self.allowed = dict(allowed)
        self.enabled = enabled
        self.refused: list[tuple[str, str]] = []

    def _check(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        if not (self.enabled and report.skipped) or hasattr(report, "wasxfail"):
            return
        if report.nodeid.split("[", 1)[0] in self.allowed:
            return
        self.refused.append((report.nodeid, _reason(report)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._check(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._check(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        ran_clean = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if self.refused and session.exitstatus in ran_clean:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.refused:
            return
        terminalreporter.section("skipped under CI", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(self.refused)} skipped test(s) fail this run because CI is set; make them "
            "run, or add them with the reason to ALLOWED_CI_SKIPS in tests/conftest.py:"
        )
        for nodeid, reason in self.refused:
            terminalreporter.line(f"  {nodeid}: {reason}")


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
