"""Channel shuffle (ShuffleNet) in NumPy, identical to ``torch.nn.ChannelShuffle``."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convanim.engine.conv import FloatArray

__all__ = ["channel_shuffle", "shuffle_permutation"]


def shuffle_permutation(channels: int, groups: int) -> NDArray[np.int64]:
    """Return the channel permutation of a shuffle with ``groups`` groups.

    The channels are viewed as ``(groups, channels // groups)``, transposed and flattened, so
    output channel ``j`` takes input channel ``perm[j] = (j % groups) * (channels // groups) +
    j // groups``.

    Parameters
    ----------
    channels
        Number of channels; must be divisible by ``groups``.
    groups
        Number of groups.

    Returns
    -------
    NDArray[np.int64]
        ``perm`` of shape ``(channels,)``.
    """
    if groups < 1 or channels % groups:
        raise ValueError(f"groups={groups} does not divide channels={channels}")
    return np.arange(channels, dtype=np.int64).reshape(groups, channels // groups).T.reshape(-1)


def channel_shuffle(x: ArrayLike, groups: int) -> tuple[FloatArray, NDArray[np.int64]]:
    """Shuffle the channels of ``x`` as ``torch.nn.ChannelShuffle(groups)`` does.

    Parameters
    ----------
    x
        Input, shape ``(N, C, *spatial)``.
    groups
        Number of groups; must divide ``C``.

    Returns
    -------
    out : FloatArray
        Same shape as ``x``, with ``out[:, j] == x[:, perm[j]]``.
    perm : NDArray[np.int64]
        The permutation, shape ``(C,)`` (see :func:`shuffle_permutation`).
    """
    xa = np.asarray(x, dtype=np.float64)
    perm = shuffle_permutation(xa.shape[1], groups)
    return np.ascontiguousarray(xa[:, perm]), perm
