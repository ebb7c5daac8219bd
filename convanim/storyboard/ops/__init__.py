"""Per-op visuals, registered by op type; ops without their own use :class:`OpVisual`."""

from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.ops.deform import DeformVisual
from convanim.storyboard.ops.shuffle import ShuffleVisual
from convanim.storyboard.ops.squeeze import SqueezeExcitationVisual
from convanim.storyboard.ops.transpose import TransposeVisual
from convanim.storyboard.ops.volume import Conv3dVisual
from convanim.storyboard.ops.windowed import PoolVisual, WindowedVisual

VISUALS: dict[str, OpVisual] = {
    "conv2d": WindowedVisual(),
    "max_pool2d": PoolVisual(),
    "avg_pool2d": PoolVisual(),
    "channel_shuffle": ShuffleVisual(),
    "squeeze_excitation": SqueezeExcitationVisual(),
    "conv_transpose2d": TransposeVisual(),
    "conv3d": Conv3dVisual(),
    "deform_conv2d": DeformVisual(),
}
"""Op type -> its visual. Adding an op's animation means adding one entry here."""


def visual_for(op_type: str) -> OpVisual:
    """The visual of an op type (the generic one when it has none of its own)."""
    return VISUALS.get(op_type, OpVisual())


__all__ = ["VISUALS", "BuildContext", "OpVisual", "visual_for"]
