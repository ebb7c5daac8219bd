"""Per-op visuals, registered by op type (every op type of the spec registry has one)."""

from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.ops.batch_norm import BatchNormVisual
from convanim.storyboard.ops.deform import DeformVisual
from convanim.storyboard.ops.layers import FlattenVisual, LinearVisual, ReluVisual
from convanim.storyboard.ops.matrix import MatrixVisual
from convanim.storyboard.ops.sequence import Conv1dVisual
from convanim.storyboard.ops.shuffle import ShuffleVisual
from convanim.storyboard.ops.squeeze import SqueezeExcitationVisual
from convanim.storyboard.ops.transpose import TransposeVisual
from convanim.storyboard.ops.volume import Conv3dVisual
from convanim.storyboard.ops.windowed import PoolVisual, WindowedVisual

VISUALS: dict[str, OpVisual] = {
    "conv1d": Conv1dVisual(),
    "conv2d": WindowedVisual(),
    "max_pool2d": PoolVisual(),
    "avg_pool2d": PoolVisual(),
    "channel_shuffle": ShuffleVisual(),
    "squeeze_excitation": SqueezeExcitationVisual(),
    "conv_transpose2d": TransposeVisual(),
    "conv3d": Conv3dVisual(),
    "deform_conv2d": DeformVisual(),
    "relu": ReluVisual(),
    "batch_norm2d": BatchNormVisual(),
    "flatten": FlattenVisual(),
    "linear": LinearVisual(),
}
"""Op type -> its visual. ``tests/test_registry.py`` checks that every op type has one."""


MATRIX_VISUALS: dict[str, OpVisual] = {
    "conv2d": MatrixVisual(VISUALS["conv2d"]),
    "conv_transpose2d": MatrixVisual(VISUALS["conv_transpose2d"]),
}
"""Op type -> its ``animation.view: matrix`` visual (the op types whose definition has a matrix
form; ``tests/test_matrix_view.py`` checks the two lists agree)."""


def visual_for(op_type: str, view: str = "sliding") -> OpVisual:
    """The visual of an op type in ``view`` (``KeyError`` naming the op type when it has none).

    ``view="matrix"``: the matrix visual of the op type (the spec refused ops without one).
    """
    table = MATRIX_VISUALS if view == "matrix" else VISUALS
    try:
        return table[op_type]
    except KeyError:
        raise KeyError(f"the storyboard has no {view} visual for op type {op_type!r}") from None


__all__ = ["MATRIX_VISUALS", "VISUALS", "BuildContext", "OpVisual", "visual_for"]
