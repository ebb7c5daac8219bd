"""What the engine-against-PyTorch tests share: torch (the importing test module is skipped
without it), the tolerance, the hypothesis profile, and the two helpers that cross over."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

torch = pytest.importorskip("torch")
F = torch.nn.functional

#: Largest absolute difference allowed between the engine and PyTorch.
ATOL = 1e-5
#: Hypothesis settings of these tests: derandomized, so every run draws the same cases.
HYP = settings(max_examples=40, deadline=None, derandomize=True)


def t(a: np.ndarray | None):  # noqa: ANN201 - torch tensor
    """A NumPy array as a torch tensor (None stays None)."""
    return None if a is None else torch.from_numpy(np.ascontiguousarray(a))


def close(ours: np.ndarray, ref) -> None:  # noqa: ANN001 - torch tensor
    """The engine's float64 array equals PyTorch's result: same shape, within :data:`ATOL`."""
    ref_np = ref.detach().numpy()
    assert ours.dtype == np.float64
    assert ours.shape == ref_np.shape
    np.testing.assert_allclose(ours, ref_np, rtol=0, atol=ATOL)
