"""Shared pytest configuration: the golden-file flag, one Hypothesis profile for every run, the
CI skip guard, the late run of the determinism tests, and small helpers."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from .ci_skips import SkipGuard, ci_is_set

ROOT = Path(__file__).resolve().parent.parent
SCENES = ROOT / "scenes"
GOLDENS = Path(__file__).resolve().parent / "goldens"

# One profile, loaded whether or not CI is set (Hypothesis would otherwise switch to its "ci"
# profile there only): every run, a user's or CI's, tries the same examples. A failure found
# while writing tests is kept as an @example(...) on its test, since nothing is remembered
# between runs. Tests set their own max_examples; deadline and the too_slow check are off
# because several processes share two cores here and timing says nothing about correctness.
settings.register_profile(
    "convanim",
    derandomize=True,
    max_examples=100,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("convanim")

#: Tests that may skip when CI is set, each with why it cannot run there; any other skip fails a
#: CI run (tests/ci_skips.py). Keys are test ids without parameters, or a module path.
ALLOWED_CI_SKIPS: dict[str, str] = {
    # CI runs as root, whom permission bits do not stop; the test then asks user 65534 to try,
    # which it cannot when the Python it would run lives under /root (mode 700), as on CI.
    "tests/test_output_atomic.py::test_unwritable_folder_is_a_usage_error": (
        "root ignores permissions and user 65534 cannot run a Python under /root"
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite timeline and frame goldens from the current code instead of comparing",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SkipGuard(ALLOWED_CI_SKIPS, enabled=ci_is_set()), "ci-skips")
    # Text outlines are cached on disk between runs; the suite uses a cache of its own, empty at
    # the start, so that no run depends on what an earlier run (or the user) left there.
    if "CONVANIM_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="convanim-test-cache-")
        os.environ["CONVANIM_CACHE_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``determinism`` after all the others.

    They check that the same input gives the same bytes in a process that has already run
    everything else (MP4 bytes once depended on what the process had done before; see
    tests/test_determinism.py). A hook, not a file name, so that the order holds for any
    selection of files, and ``trylast`` so that it holds after plugins that reorder tests.
    """
    late = [item for item in items if item.get_closest_marker("determinism")]
    if late:
        items[:] = [item for item in items if not item.get_closest_marker("determinism")] + late


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite goldens."""
    return bool(request.config.getoption("--update-goldens"))
