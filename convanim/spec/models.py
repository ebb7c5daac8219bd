"""The spec models: one frozen pydantic model per op type, discriminated by ``type``; the scene.

Every field carries a ``description`` (``convanim schema`` shows them to editors). Ints are
normalised to pairs/triples (``kernel_size: 3`` -> ``(3, 3)`` on a 2-D op); nested value lists are
stored as tuples so that models stay immutable and hashable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from annotated_types import Ge, Gt, Len, MinLen
from pydantic import BeforeValidator, ConfigDict, Field, PrivateAttr

from convanim.errors import SpecError
from convanim.spec.fields import (
    POSITIVE_INT,
    FieldProblem,
    InputValueSource,
    IntBound,
    NonNegativeInt,
    Number,
    OptionalPositiveFloat,
    PositiveFloat,
    StrictBool,
    describe,
    did_you_mean,
    json_list,
    parse_items,
    parse_number,
)
from convanim.spec.model_base import SpecModel
from convanim.spec.ops import OP_DEFS, OP_TYPES, OpSpec, op_def
from convanim.spec.ops.conv import Conv1dSpec, Conv2dSpec, Conv3dSpec
from convanim.spec.ops.deform import DeformConv2dSpec
from convanim.spec.ops.pool import AvgPool2dSpec, MaxPool2dSpec
from convanim.spec.ops.shuffle import ChannelShuffleSpec
from convanim.spec.ops.squeeze import SqueezeExcitationSpec
from convanim.spec.ops.transpose import ConvTranspose2dSpec

__all__ = [
    "YamlPath",
    "format_path",
    "SourceInfo",
    "InputSpec",
    "NormalizeSpec",
    "Conv1dSpec",
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
    "LANGUAGES",
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


# ---------------------------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------------------------


#: How many sizes ``input.shape`` has: (F) up to (N, C, D, H, W).
SHAPE_SIZES = (1, 5)


def _numbers(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise FieldProblem(f"expected a list of numbers, got {describe(value)}")
    return parse_items(value, parse_number)


def _positive_numbers(value: Any) -> Any:
    numbers = _numbers(value)
    for i, v in enumerate(numbers):
        if v <= 0:
            raise FieldProblem(f"a standard deviation must be > 0, got {v}", (i,))
    return numbers


def _shape(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        raise FieldProblem(
            f"expected a list of sizes like [8, 7, 7] (C, H, W), got {describe(value)}"
        )
    low, high = SHAPE_SIZES
    if not low <= len(value) <= high:
        raise FieldProblem(
            f"expected {low} to {high} sizes (F / C, L / C, H, W / N, C, H, W / C, D, H, W / "
            f"N, C, D, H, W), got {len(value)}"
        )
    return parse_items(value, POSITIVE_INT)


#: ImageNet's per-channel mean and standard deviation (torchvision's ``Normalize`` values).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

NormalizeWord = Literal["none", "imagenet"]


class NormalizeSpec(SpecModel):
    """Per-channel ``(x - mean) / std`` after a picture is scaled to [0, 1]."""

    mean: Annotated[
        tuple[float, ...],
        BeforeValidator(_numbers, json_schema_input_type=Annotated[list[float], MinLen(1)]),
    ] = Field(description="One mean per channel (or one for all).")
    std: Annotated[
        tuple[float, ...],
        BeforeValidator(
            _positive_numbers,
            json_schema_input_type=Annotated[list[Annotated[float, Gt(0)]], MinLen(1)],
        ),
    ] = Field(description="One standard deviation (> 0) per channel (or one for all).")


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        if value in get_args(NormalizeWord):
            return value
        raise FieldProblem(
            f"expected none, imagenet or {{mean: [...], std: [...]}}, got {describe(value)}"
            f"{did_you_mean(value, get_args(NormalizeWord))}"
        )
    if isinstance(value, Mapping):
        keys = [k for k in value if k not in ("mean", "std")]
        if keys:
            raise FieldProblem(f"unknown key {describe(keys[0])}; expected mean and std")
        missing = [k for k in ("mean", "std") if k not in value]
        if missing:
            raise FieldProblem(f"missing {missing[0]}: give both mean and std, one per channel")
        try:
            mean = _numbers(value["mean"])
        except FieldProblem as exc:
            raise FieldProblem(exc.message, ("mean", *exc.subpath)) from None
        try:
            std = _positive_numbers(value["std"])
        except FieldProblem as exc:
            raise FieldProblem(exc.message, ("std", *exc.subpath)) from None
        return NormalizeSpec(mean=mean, std=std)
    raise FieldProblem(
        f"expected none, imagenet or {{mean: [...], std: [...]}}, got {describe(value)}"
    )


class InputSpec(SpecModel):
    """The input tensor."""

    shape: Annotated[
        tuple[int, ...],
        BeforeValidator(
            _shape,
            json_schema_input_type=json_list(POSITIVE_INT.json_type, Len(*SHAPE_SIZES)),
        ),
    ] = Field(
        description=(
            "Tensor shape: [C, H, W] or [N, C, H, W] (N defaults to 1); [C, L] or [N, C, L] "
            "when the first op is conv1d; [C, D, H, W] or [N, C, D, H, W] when it is conv3d; "
            "[F] or [N, F] when it is linear."
        )
    )
    values: InputValueSource = Field(
        default="random",
        description=(
            "random (seeded, uniform in [-1, 1]) | zeros | ones | arange | a nested list of "
            "numbers | a path to a .npy file or a PNG/JPEG picture relative to the spec's folder "
            "(a picture is resized to H x W with Lanczos filtering and scaled to [0, 1])."
        ),
    )
    seed: NonNegativeInt = Field(
        default=0,
        description="Seed of every random tensor in the scene (input, weights, biases, offsets).",
    )
    normalize: Annotated[
        NormalizeWord | NormalizeSpec,
        BeforeValidator(_normalize, json_schema_input_type=NormalizeWord | NormalizeSpec),
    ] = Field(
        default="none",
        description=(
            "For a picture: none (values in [0, 1]), imagenet ((x - mean) / std with ImageNet's "
            "mean and std) or {mean: [...], std: [...]}, one number per channel."
        ),
    )

    @property
    def mean_std(self) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
        """The normalisation's per-channel mean and std; None for ``none``."""
        if self.normalize == "none":
            return None
        if self.normalize == "imagenet":
            return IMAGENET_MEAN, IMAGENET_STD
        assert isinstance(self.normalize, NormalizeSpec)
        return self.normalize.mean, self.normalize.std


# ---------------------------------------------------------------------------------------------
# ops: each op's model sits with its definition in convanim.spec.ops
# ---------------------------------------------------------------------------------------------

#: Op type name -> model class.
OP_MODELS: dict[str, type[SpecModel]] = {name: d.model for name, d in OP_DEFS.items()}


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


def _closeup(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value >= 0:
        return value
    raise FieldProblem(
        f"expected true, false or a number of window positions (0 or more), got {describe(value)}"
    )


def _choice(words_type: Any, aliases: dict[str, str] | None = None) -> BeforeValidator:
    """The validator of a field taking one of the words of ``words_type`` (a ``Literal``).

    ``aliases`` maps other spellings (lower case) to the word the message suggests instead.
    """
    words: tuple[str, ...] = get_args(words_type)

    def parse(value: Any) -> Any:
        if isinstance(value, str) and value in words:
            return value
        hint = did_you_mean(value, words) if isinstance(value, str) else ""
        if isinstance(value, str) and not hint and aliases:
            alias = aliases.get(value.lower().replace("_", "-").split("-")[0])
            hint = f" (did you mean {alias!r}?)" if alias else ""
        allowed = ", ".join(repr(w) for w in words)
        raise FieldProblem(f"expected one of {allowed}, got {describe(value)}{hint}")

    return BeforeValidator(parse, json_schema_input_type=words_type)


TransposeView = Literal["scatter", "direct"]
ViewName = Literal["sliding", "matrix"]
ThemeName = Literal["light", "dark"]
Language = Literal["en", "zh"]
#: The values of ``labels.language`` (and of ``--language``).
LANGUAGES: tuple[str, ...] = get_args(Language)
_LANGUAGE_ALIASES = {
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "zh": "zh",
    "english": "en",
    "en": "en",
}
"""Other spellings of a language (lower case, before any ``-`` or ``_``) and the word to use."""


class AnimationSpec(SpecModel):
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
    view: Annotated[ViewName, _choice(ViewName)] = Field(
        default="sliding",
        description="'sliding' (the kernel slides over the input) or 'matrix' (the convolution as "
        "a matrix product: y = C·x for one channel, x' = Cᵀ·y for conv_transpose2d, im2col "
        "Y = F·P for several channels or groups; at most 16 cells high and 25 wide).",
    )
    closeup: Annotated[
        bool | int,
        BeforeValidator(
            _closeup,
            json_schema_input_type=bool | Annotated[int, Ge(0)],
        ),
    ] = Field(
        default=True,
        description="Close-up of the arithmetic of the first window positions of each op: "
        "true (the first position), false, or a number of positions.",
    )


class ThemeSpec(SpecModel):
    """Colours and ground plane."""

    name: Annotated[ThemeName, _choice(ThemeName)] = Field(
        default="light", description="Colour theme: 'light' or 'dark'."
    )
    ground: StrictBool = Field(default=True, description="Draw a neutral ground plane.")


class CameraSpec(SpecModel):
    """Camera placement (a perspective three-quarter view by default)."""

    phi: Number = Field(default=65.0, description="Polar angle from the vertical axis, degrees.")
    theta: Number = Field(
        default=-58.0,
        description="Azimuth around the vertical axis, degrees (-90 looks straight at the front).",
    )
    zoom: PositiveFloat = Field(default=1.0, description="Zoom factor (> 0); 1 frames the scene.")


class LabelsSpec(SpecModel):
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
    language: Annotated[Language, _choice(Language, _LANGUAGE_ALIASES)] = Field(
        default="en",
        description=(
            "Language of every word on screen: 'en' (English) or 'zh' (Chinese, the terms of "
            "Chinese course material; op names, symbols and units stay)."
        ),
    )


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


class SceneSpec(SpecModel):
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

    def with_language(self, language: str | None) -> SceneSpec:
        """This spec with ``labels.language`` set to ``language`` (itself for None or the same
        language): the ``--language`` of ``render`` and ``slides``."""
        if language is None or language == self.labels.language:
            return self
        labels = self.labels.model_copy(update={"language": language})
        return self.model_copy(update={"labels": labels})

    @property
    def spatial_rank(self) -> int:
        """Spatial axes of the input: those of the first op (3 for conv3d: C,D,H,W)."""
        return op_def(self.ops[0]).spatial_rank

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
