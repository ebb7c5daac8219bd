"""The spec models: one frozen pydantic model per op type, discriminated by ``type``; the scene.

Every field carries a ``description`` (``convanim schema`` shows them to editors). Ints are
normalised to pairs/triples (``kernel_size: 3`` -> ``(3, 3)`` on a 2-D op); nested value lists are
stored as tuples so that models stay immutable and hashable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

from annotated_types import Len, MinLen
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from convanim.errors import SpecError
from convanim.spec.fields import (
    POSITIVE_INT,
    BiasSource,
    FieldProblem,
    IntBound,
    NonNegativeInt,
    NonNegativePair,
    Number,
    OptionalPair,
    OptionalPositiveFloat,
    OptionalPositiveInt,
    OptionalValueSource,
    Padding2d,
    Padding3d,
    Pair,
    PositiveFloat,
    PositiveInt,
    StrictBool,
    Triple,
    ValueSource,
    describe,
    did_you_mean,
    json_list,
    parse_items,
    same_padding_schema,
)

__all__ = [
    "YamlPath",
    "format_path",
    "SourceInfo",
    "InputSpec",
    "Conv2dSpec",
    "ConvTranspose2dSpec",
    "Conv3dSpec",
    "MaxPool2dSpec",
    "AvgPool2dSpec",
    "ChannelShuffleSpec",
    "DeformConv2dSpec",
    "SqueezeExcitationSpec",
    "OpSpec",
    "OP_MODELS",
    "OP_TYPES",
    "AnimationSpec",
    "ThemeSpec",
    "CameraSpec",
    "LabelsSpec",
    "SceneSpec",
]

#: A YAML path as a tuple: ``("ops", 1, "groups")`` is written ``ops[1].groups``.
YamlPath = tuple[str | int, ...]


def format_path(path: YamlPath) -> str:
    """Write a YAML path the way messages show it: ``ops[1].groups``, ``input.shape[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class SourceInfo:
    """Where a spec came from, so later layers can point errors at the YAML.

    Attributes
    ----------
    file : str or None
        The spec file as the user named it (``"<string>"`` for text), ``None`` when the spec was
        built in Python.
    base_dir : Path
        Folder that relative ``.npy`` paths are resolved against (and confined to).
    positions : Mapping
        YAML path tuple -> ``(line, col)`` (1-based) of each value node.
    key_positions : Mapping
        YAML path tuple -> ``(line, col)`` of each mapping key.
    """

    file: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    positions: Mapping[YamlPath, tuple[int, int]] = field(default_factory=dict, compare=False)
    key_positions: Mapping[YamlPath, tuple[int, int]] = field(default_factory=dict, compare=False)

    def locate(self, path: YamlPath, *, key: bool = False) -> tuple[int, int] | None:
        """Line and column (1-based) of ``path``, or of its nearest ancestor written in the YAML.

        Parameters
        ----------
        path : tuple
            YAML path, e.g. ``("ops", 0, "groups")``.
        key : bool
            Point at the mapping key rather than its value (used for unknown keys).
        """
        if key and path in self.key_positions:
            return self.key_positions[path]
        probe = tuple(path)
        while True:
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def error(
        self, path: YamlPath, message: str, *, cls: type[SpecError] = SpecError, key: bool = False
    ) -> SpecError:
        """A :class:`SpecError` (or ``cls``) for ``path`` with file, line and column filled in."""
        where = self.locate(path, key=key)
        line, col = where if where is not None else (None, None)
        return cls(message, file=self.file, line=line, col=col, path=format_path(path) or None)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------------------------


#: How many sizes ``input.shape`` has: (C, H, W) up to (N, C, D, H, W).
SHAPE_SIZES = (3, 5)


def _shape(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        raise FieldProblem(
            f"expected a list of sizes like [8, 7, 7] (C, H, W), got {describe(value)}"
        )
    low, high = SHAPE_SIZES
    if not low <= len(value) <= high:
        raise FieldProblem(
            f"expected {low} to {high} sizes (C, H, W / N, C, H, W / C, D, H, W / N, C, D, H, W), "
            f"got {len(value)}"
        )
    return parse_items(value, POSITIVE_INT)


class InputSpec(_Model):
    """The input tensor."""

    shape: Annotated[
        tuple[int, ...],
        BeforeValidator(
            _shape,
            json_schema_input_type=json_list(POSITIVE_INT.json_type, Len(*SHAPE_SIZES)),
        ),
    ] = Field(
        description=(
            "Tensor shape: [C, H, W] or [N, C, H, W] (N defaults to 1); [C, D, H, W] or "
            "[N, C, D, H, W] when the first op is conv3d."
        )
    )
    values: ValueSource = Field(
        default="random",
        description=(
            "random (seeded, uniform in [-1, 1]) | zeros | ones | arange | a nested list of "
            "numbers | a path to a .npy file relative to the spec's folder."
        ),
    )
    seed: NonNegativeInt = Field(
        default=0,
        description="Seed of every random tensor in the scene (input, weights, biases, offsets).",
    )


# ---------------------------------------------------------------------------------------------
# ops
# ---------------------------------------------------------------------------------------------

_WEIGHT_DESC = (
    "random (seeded, PyTorch's default init bound 1/sqrt(fan_in)) | zeros | ones | arange | "
    "a nested list | a .npy path; PyTorch weight layout {layout}."
)
_BIAS_DESC = "true (random, seeded), false (no bias) or a list with one number per output channel."


class Conv2dSpec(_Model):
    """``torch.nn.Conv2d``: a 2-D convolution."""

    model_config = ConfigDict(json_schema_extra=same_padding_schema())

    type: Literal["conv2d"] = Field(description="Op type: a 2-D convolution (torch.nn.Conv2d).")
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: Padding2d = Field(
        default=(0, 0),
        description="Zero padding: an int, [ph, pw], 'same' (stride 1 only) or 'valid' (none).",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=_BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=_WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kh, kw)"),
    )


class ConvTranspose2dSpec(_Model):
    """``torch.nn.ConvTranspose2d``: a transposed 2-D convolution."""

    type: Literal["conv_transpose2d"] = Field(
        description="Op type: a transposed 2-D convolution (torch.nn.ConvTranspose2d)."
    )
    out_channels: PositiveInt = Field(description="Number of output channels.")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Rows/columns removed from each side of the full output: an int or pair.",
    )
    output_padding: NonNegativePair = Field(
        default=(0, 0),
        description="Extra rows/columns on the bottom/right; smaller than stride or dilation.",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=_BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=_WEIGHT_DESC.format(layout="(in_channels, out_channels/groups, kh, kw)"),
    )


class Conv3dSpec(_Model):
    """``torch.nn.Conv3d``: a 3-D convolution over (D, H, W)."""

    model_config = ConfigDict(json_schema_extra=same_padding_schema())

    type: Literal["conv3d"] = Field(description="Op type: a 3-D convolution (torch.nn.Conv3d).")
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Triple = Field(description="Kernel size: an int or [kd, kh, kw].")
    stride: Triple = Field(default=(1, 1, 1), description="Stride: an int or [sd, sh, sw].")
    padding: Padding3d = Field(
        default=(0, 0, 0),
        description="Zero padding: an int, [pd, ph, pw], 'same' (stride 1 only) or 'valid'.",
    )
    dilation: Triple = Field(
        default=(1, 1, 1), description="Spacing between kernel taps: an int or a triple."
    )
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    bias: BiasSource = Field(default=True, description=_BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=_WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kd, kh, kw)"),
    )


class MaxPool2dSpec(_Model):
    """``torch.nn.MaxPool2d``: the maximum of each window, channel by channel."""

    type: Literal["max_pool2d"] = Field(
        description="Op type: 2-D max pooling (torch.nn.MaxPool2d)."
    )
    kernel_size: Pair = Field(description="Window size: an int or [kh, kw].")
    stride: OptionalPair = Field(
        default=None, description="Stride: an int or pair; default (null) = kernel_size."
    )
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Implicit -inf padding on each side: an int or pair, at most half the window.",
    )
    dilation: Pair = Field(default=(1, 1), description="Spacing between window taps: int or pair.")
    ceil_mode: StrictBool = Field(
        default=False,
        description="Round the output size up (the last window must start inside the input).",
    )


class AvgPool2dSpec(_Model):
    """``torch.nn.AvgPool2d``: the mean of each window, channel by channel."""

    type: Literal["avg_pool2d"] = Field(
        description="Op type: 2-D average pooling (torch.nn.AvgPool2d)."
    )
    kernel_size: Pair = Field(description="Window size: an int or [kh, kw].")
    stride: OptionalPair = Field(
        default=None, description="Stride: an int or pair; default (null) = kernel_size."
    )
    padding: NonNegativePair = Field(
        default=(0, 0),
        description="Zero padding on each side: an int or pair, at most half the window.",
    )
    ceil_mode: StrictBool = Field(
        default=False,
        description="Round the output size up (the last window must start inside the input).",
    )
    count_include_pad: StrictBool = Field(
        default=True, description="Count padding zeros in the divisor."
    )
    divisor_override: OptionalPositiveInt = Field(
        default=None, description="Divide every window sum by this number instead."
    )


class ChannelShuffleSpec(_Model):
    """``torch.nn.ChannelShuffle``: reshape to (groups, C/groups), transpose, flatten."""

    type: Literal["channel_shuffle"] = Field(
        description="Op type: channel shuffle (torch.nn.ChannelShuffle)."
    )
    groups: PositiveInt = Field(description="Number of groups; must divide the channels.")


class DeformConv2dSpec(_Model):
    """``torchvision.ops.DeformConv2d``: a convolution sampling at learned fractional offsets."""

    type: Literal["deform_conv2d"] = Field(
        description="Op type: deformable convolution (torchvision.ops.DeformConv2d)."
    )
    out_channels: PositiveInt = Field(description="Number of output channels (kernels).")
    kernel_size: Pair = Field(description="Kernel size: an int or [kh, kw].")
    stride: Pair = Field(default=(1, 1), description="Stride: an int or [sh, sw].")
    padding: NonNegativePair = Field(default=(0, 0), description="Zero padding: an int or pair.")
    dilation: Pair = Field(default=(1, 1), description="Spacing between kernel taps: int or pair.")
    groups: PositiveInt = Field(
        default=1, description="Channel groups; must divide in_channels and out_channels."
    )
    offset_groups: PositiveInt = Field(
        default=1, description="Groups of input channels sharing one offset field."
    )
    bias: BiasSource = Field(default=True, description=_BIAS_DESC)
    weight: ValueSource = Field(
        default="random",
        description=_WEIGHT_DESC.format(layout="(out_channels, in_channels/groups, kh, kw)"),
    )
    offset: ValueSource = Field(
        default="random",
        description=(
            "Sampling offsets (dy, dx per tap), shape (N, 2*offset_groups*kh*kw, H_out, W_out): "
            "random (uniform in [-1, 1]) | zeros | ones | arange | nested list | .npy path."
        ),
    )
    mask: OptionalValueSource = Field(
        default=None,
        description=(
            "Optional modulation mask, shape (N, offset_groups*kh*kw, H_out, W_out): "
            "random (uniform in [0, 1]) | zeros | ones | arange | nested list | .npy path."
        ),
    )


class SqueezeExcitationSpec(_Model):
    """Squeeze-and-excitation: global average pool, FC-ReLU-FC-sigmoid, then channel scaling."""

    type: Literal["squeeze_excitation"] = Field(
        description="Op type: squeeze-and-excitation block."
    )
    reduction: PositiveInt = Field(
        default=4, description="Reduction ratio r: hidden size = max(1, channels // r)."
    )
    fc1_weight: ValueSource = Field(
        default="random", description="First FC weight, shape (hidden, channels)."
    )
    fc1_bias: ValueSource = Field(default="random", description="First FC bias, shape (hidden,).")
    fc2_weight: ValueSource = Field(
        default="random", description="Second FC weight, shape (channels, hidden)."
    )
    fc2_bias: ValueSource = Field(
        default="random", description="Second FC bias, shape (channels,)."
    )


OpSpec = Annotated[
    Union[  # noqa: UP007  (a Union reads better than a 9-line `|` chain here)
        Conv2dSpec,
        ConvTranspose2dSpec,
        Conv3dSpec,
        MaxPool2dSpec,
        AvgPool2dSpec,
        ChannelShuffleSpec,
        DeformConv2dSpec,
        SqueezeExcitationSpec,
    ],
    Field(discriminator="type"),
]

#: Op type name -> model class.
OP_MODELS: dict[str, type[_Model]] = {
    "conv2d": Conv2dSpec,
    "conv_transpose2d": ConvTranspose2dSpec,
    "conv3d": Conv3dSpec,
    "max_pool2d": MaxPool2dSpec,
    "avg_pool2d": AvgPool2dSpec,
    "channel_shuffle": ChannelShuffleSpec,
    "deform_conv2d": DeformConv2dSpec,
    "squeeze_excitation": SqueezeExcitationSpec,
}
OP_TYPES: tuple[str, ...] = tuple(OP_MODELS)


# ---------------------------------------------------------------------------------------------
# presentation
# ---------------------------------------------------------------------------------------------


#: An output channel number (channels count from 0).
_CHANNEL = IntBound(
    0, "channel numbers start at 0, got {value}", not_int="expected a channel number, got {value}"
)
ChannelWord = Literal["first", "all"]
_CHANNEL_WORDS = get_args(ChannelWord)
_CHANNEL_LIST = MinLen(1)


def _channels(value: Any) -> Any:
    if isinstance(value, str):
        if value in _CHANNEL_WORDS:
            return value
        raise FieldProblem(
            f"expected 'first', 'all' or a list of channel numbers, got {describe(value)}"
            f"{did_you_mean(value, _CHANNEL_WORDS)}"
        )
    if isinstance(value, list | tuple):
        out = parse_items(value, _CHANNEL)
        if len(out) < _CHANNEL_LIST.min_length:
            raise FieldProblem("the list of channels is empty")
        return out
    raise FieldProblem(
        f"expected 'first', 'all' or a list of channel numbers, got {describe(value)}"
    )


def _show_values(value: Any) -> Any:
    if isinstance(value, bool) or value == "auto":
        return value
    raise FieldProblem(f"expected true, false or 'auto', got {describe(value)}")


def _choice(words_type: Any) -> BeforeValidator:
    """The validator of a field taking one of the words of ``words_type`` (a ``Literal``)."""
    words: tuple[str, ...] = get_args(words_type)

    def parse(value: Any) -> Any:
        if isinstance(value, str) and value in words:
            return value
        hint = did_you_mean(value, words) if isinstance(value, str) else ""
        allowed = ", ".join(repr(w) for w in words)
        raise FieldProblem(f"expected one of {allowed}, got {describe(value)}{hint}")

    return BeforeValidator(parse, json_schema_input_type=words_type)


TransposeView = Literal["scatter", "direct"]
ThemeName = Literal["light", "dark"]


class AnimationSpec(_Model):
    """Pacing of the animation; every key has a default that gives a well-paced video."""

    full_positions: NonNegativeInt = Field(
        default=3, description="Kernel window positions played in full before fast-forwarding."
    )
    op_duration: OptionalPositiveFloat = Field(
        default=None, description="Seconds per op; null = automatic pacing."
    )
    channels: Annotated[
        ChannelWord | tuple[int, ...],
        BeforeValidator(
            _channels,
            json_schema_input_type=ChannelWord | json_list(_CHANNEL.json_type, _CHANNEL_LIST),
        ),
    ] = Field(
        default="first",
        description="Output channels animated step by step: 'first', 'all' or a list of indices.",
    )
    orbit: StrictBool = Field(default=False, description="Slowly orbit the camera.")
    show_values: Annotated[
        bool | Literal["auto"],
        BeforeValidator(_show_values, json_schema_input_type=bool | Literal["auto"]),
    ] = Field(default="auto", description="Numbers on cells: true, false or 'auto' (<= 7x7).")
    beams: StrictBool = Field(
        default=True, description="Draw beams from the kernel window to the output cell."
    )
    transpose_view: Annotated[TransposeView, _choice(TransposeView)] = Field(
        default="scatter",
        description="conv_transpose2d view: 'scatter' (stamping) or 'direct' (zero insertion).",
    )
    receptive_field: StrictBool = Field(
        default=False, description="Show the receptive field of one output cell through the chain."
    )


class ThemeSpec(_Model):
    """Colours and ground plane."""

    name: Annotated[ThemeName, _choice(ThemeName)] = Field(
        default="light", description="Colour theme: 'light' or 'dark'."
    )
    ground: StrictBool = Field(default=True, description="Draw a neutral ground plane.")


class CameraSpec(_Model):
    """Camera placement (a perspective three-quarter view by default)."""

    phi: Number = Field(default=65.0, description="Polar angle from the vertical axis, degrees.")
    theta: Number = Field(
        default=-58.0,
        description="Azimuth around the vertical axis, degrees (-90 looks straight at the front).",
    )
    zoom: PositiveFloat = Field(default=1.0, description="Zoom factor (> 0); 1 frames the scene.")


class LabelsSpec(_Model):
    """Which overlays are shown."""

    title: StrictBool = Field(
        default=True, description="Show the scene title (any script, e.g. Chinese)."
    )
    table: StrictBool = Field(default=True, description="Show the Input/Kernel/Output shape table.")
    formula: StrictBool = Field(
        default=True, description="Show the output-size formula with the numbers."
    )
    counts: StrictBool = Field(default=True, description="Show params, MACs and FLOPs.")
    legend: StrictBool = Field(default=True, description="Show the colour-map legend of values.")


# ---------------------------------------------------------------------------------------------
# scene
# ---------------------------------------------------------------------------------------------


def _title(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    raise FieldProblem(f"expected text, got {describe(value)} (put it in quotes)")


#: A scene has at least one op.
_OPS_LIST = MinLen(1)


def _ops(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if len(value) < _OPS_LIST.min_length:
            raise FieldProblem("the ops list is empty; add at least one op, e.g. '- type: conv2d'")
        return tuple(value)
    raise FieldProblem(f"expected a list of ops ('- type: conv2d' ...), got {describe(value)}")


class SceneSpec(_Model):
    """A whole scene: the input tensor, the chain of ops, and presentation settings."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    title: Annotated[str | None, BeforeValidator(_title, json_schema_input_type=str | None)] = (
        Field(default=None, description="Title shown in the video; any Unicode text.")
    )
    input: InputSpec = Field(description="The input tensor.")
    ops: Annotated[
        tuple[OpSpec, ...],
        BeforeValidator(_ops, json_schema_input_type=Annotated[list[OpSpec], _OPS_LIST]),
    ] = Field(description="Ops applied in order; each op's input is the previous op's output.")
    animation: AnimationSpec = Field(
        default_factory=AnimationSpec, description="Pacing of the animation."
    )
    theme: ThemeSpec = Field(default_factory=ThemeSpec, description="Colour theme and ground.")
    camera: CameraSpec = Field(default_factory=CameraSpec, description="Camera placement.")
    labels: LabelsSpec = Field(default_factory=LabelsSpec, description="Overlays shown.")

    _source: SourceInfo = PrivateAttr(default_factory=SourceInfo)

    @property
    def source(self) -> SourceInfo:
        """Where the spec came from (file, base folder, YAML positions); not serialised."""
        return self._source

    @property
    def spatial_rank(self) -> int:
        """3 when the first op is ``conv3d`` (the input is C,D,H,W), else 2."""
        return 3 if self.ops[0].type == "conv3d" else 2

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The input shape with the batch: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

        A written shape with one axis fewer than the full rank gets ``N = 1``. A shape of the
        wrong rank for the first op is returned as written; :func:`convanim.spec.load` reports it.
        """
        shape = self.input.shape
        if len(shape) == self.spatial_rank + 1:
            return (1, *shape)
        return shape
