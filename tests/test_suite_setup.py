"""The suite's own rules: the same Hypothesis examples for users and CI, and under CI a skipped
test fails the run unless it is on the allow-list (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

from .conftest import ROOT


def _pytest(*args: str, ci: str | None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run pytest in a child process with ``CI`` set to ``ci`` (or unset)."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_hypothesis_runs_the_suite_profile() -> None:
    """Fixed examples, nothing remembered, no timing: whatever the environment says."""
    current = settings.default
    assert current.derandomize is True
    assert current.database is None
    assert current.deadline is None
    profile = settings.get_profile("convanim")
    assert (current.derandomize, current.max_examples, current.suppress_health_check) == (
        profile.derandomize,
        profile.max_examples,
        profile.suppress_health_check,
    )


def test_hypothesis_profile_is_the_same_with_and_without_ci() -> None:
    """Hypothesis loads its own "ci" profile when CI is set, unless the suite chose one."""
    test = "tests/test_suite_setup.py::test_hypothesis_runs_the_suite_profile"
    for ci in (None, "true"):
        done = _pytest(test, ci=ci)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 passed" in done.stdout
