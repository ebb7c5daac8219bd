"""The suite's own rules: the same Hypothesis examples for users and CI, and under CI a skipped
test fails the run unless it is on the allow-list (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from .ci_skips import SkipGuard, ci_is_set
from .conftest import ALLOWED_CI_SKIPS, ROOT


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
    assert current is not None
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


_TINY_TESTS = """
import pytest

def test_runs():
    pass

def test_needs_a_missing_tool():
    pytest.skip("the tool is not installed")

@pytest.mark.parametrize("n", [1, 2])
def test_allowed(n):
    pytest.skip("cannot run here")

@pytest.mark.xfail(reason="a known bug")
def test_known_bug():
    assert False
"""

_TINY_CONFTEST = """
from tests.ci_skips import SkipGuard, ci_is_set

def pytest_configure(config):
    allowed = {"test_tiny.py::test_allowed": "cannot run here"}
    config.pluginmanager.register(SkipGuard(allowed, enabled=ci_is_set()), "ci-skips")
"""


def _tiny_run(tmp_path: Path, ci: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_tiny.py").write_text(_TINY_TESTS)
    (tmp_path / "conftest.py").write_text(_TINY_CONFTEST)
    return _pytest("-rs", *args, ci=ci, cwd=tmp_path)


def test_a_skip_fails_a_ci_run_unless_allowed(tmp_path: Path) -> None:
    done = _tiny_run(tmp_path, "true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 3 skipped, 1 xfailed" in done.stdout
    report = done.stdout.split("skipped under CI")[1]
    assert "test_tiny.py::test_needs_a_missing_tool: the tool is not installed" in report
    assert "test_allowed" not in report and "test_known_bug" not in report


def test_skips_pass_without_ci_and_allowed_skips_pass_with_it(tmp_path: Path) -> None:
    for ci in (None, "", "0", "false"):
        done = _tiny_run(tmp_path, ci)
        assert done.returncode == 0, (ci, done.stdout + done.stderr)
        assert "skipped under CI" not in done.stdout
    allowed_only = _tiny_run(tmp_path, "true", "-k", "not missing_tool")
    assert allowed_only.returncode == 0, allowed_only.stdout + allowed_only.stderr
    assert "1 passed, 2 skipped, 1 deselected, 1 xfailed" in allowed_only.stdout


def test_a_skipped_module_fails_a_ci_run(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text(_TINY_TESTS)
    (tmp_path / "conftest.py").write_text(_TINY_CONFTEST)
    (tmp_path / "test_gone.py").write_text('import pytest\n\npytest.importorskip("no_such_mod")\n')
    for files in (["test_gone.py"], ["test_gone.py", "test_tiny.py", "-k", "not missing"]):
        done = _pytest(*files, ci="1", cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        report = done.stdout.split("skipped under CI")[1]
        assert "test_gone.py: could not import 'no_such_mod'" in report
        assert "test_allowed" not in report


def test_the_suite_runs_the_guard_with_its_allow_list(pytestconfig: pytest.Config) -> None:
    guard = pytestconfig.pluginmanager.get_plugin("ci-skips")
    assert isinstance(guard, SkipGuard)
    assert guard.allowed == ALLOWED_CI_SKIPS and guard.enabled == ci_is_set()
    assert all(key.startswith("tests/") and reason for key, reason in ALLOWED_CI_SKIPS.items())
