"""The spec layer: YAML -> validated, frozen models, with errors located in the YAML.

>>> from convanim.spec import loads
>>> text = "input: {shape: [8, 7, 7]}\\nops: [{type: conv2d, out_channels: 8, kernel_size: 3}]"
>>> spec = loads(text)
>>> spec.input_shape, spec.ops[0].kernel_size
((1, 8, 7, 7), (3, 3))
"""

from convanim.spec.chain import validate_chain
from convanim.spec.loader import load, loads
from convanim.spec.models import (
    LANGUAGES,
    OP_MODELS,
    OP_TYPES,
    AnimationSpec,
    AvgPool2dSpec,
    CameraSpec,
    ChannelShuffleSpec,
    Conv2dSpec,
    Conv3dSpec,
    ConvTranspose2dSpec,
    DeformConv2dSpec,
    InputSpec,
    LabelsSpec,
    MaxPool2dSpec,
    OpSpec,
    SceneSpec,
    SourceInfo,
    SqueezeExcitationSpec,
    ThemeSpec,
    YamlPath,
    format_path,
)
from convanim.spec.values import (
    FIELD_IDS,
    TensorRequest,
    resolve_input,
    resolve_op_tensors,
    resolve_values,
    rng_key,
    tensor_requests,
)

__all__ = [
    "LANGUAGES",
    "load",
    "loads",
    "validate_chain",
    "SceneSpec",
    "InputSpec",
    "OpSpec",
    "OP_MODELS",
    "OP_TYPES",
    "Conv2dSpec",
    "ConvTranspose2dSpec",
    "Conv3dSpec",
    "MaxPool2dSpec",
    "AvgPool2dSpec",
    "ChannelShuffleSpec",
    "DeformConv2dSpec",
    "SqueezeExcitationSpec",
    "AnimationSpec",
    "ThemeSpec",
    "CameraSpec",
    "LabelsSpec",
    "SourceInfo",
    "YamlPath",
    "format_path",
    "FIELD_IDS",
    "TensorRequest",
    "rng_key",
    "resolve_values",
    "resolve_input",
    "resolve_op_tensors",
    "tensor_requests",
]
