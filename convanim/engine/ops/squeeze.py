"""``squeeze_excitation``: the squeezed means, the two FC layers and the channel scales."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.ops.registry import Step, runner
from convanim.engine.se import squeeze_excitation
from convanim.engine.trace import se_trace

_FC = ("fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias")


@runner("squeeze_excitation")
def run_squeeze_excitation(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """Mean, FC, ReLU, FC, sigmoid, scale; the intermediate values go to the trace."""
    out, squeezed, hidden, scale = squeeze_excitation(x, *(t[k] for k in _FC))
    return Step(
        out,
        se_trace(squeezed, hidden, scale),
        extras={k: t[k] for k in _FC},
        report={"hidden_channels": int(hidden.shape[1])},
        report_values={
            "squeezed": squeezed.tolist(),
            "hidden": hidden.tolist(),
            "scale": scale.tolist(),
        },
    )
