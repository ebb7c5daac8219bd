"""The bad specs of tests/test_spec_errors.py, shared with tests/test_schema.py.

``CASES`` pairs each bad spec with the exact message ``convanim`` gives (tested in
tests/test_spec_errors.py); tests/test_schema.py feeds every one of them, and the documents of
``OTHER_BAD_SPECS``, to the JSON Schema as well.
"""

from __future__ import annotations

from convanim.spec.yaml_loader import MAX_DOCUMENT_BYTES

GOOD = """\
title: Standard convolution
input:
  shape: [8, 7, 7]
  values: random
  seed: 0
ops:
  - type: conv2d
    out_channels: 8
    kernel_size: 3
    stride: 1
    padding: 0
    bias: true
"""

OP_TYPES = (
    "conv1d, conv2d, conv_transpose2d, conv3d, max_pool2d, avg_pool2d, channel_shuffle, "
    "deform_conv2d, squeeze_excitation, relu, batch_norm2d, flatten, linear"
)
CONV2D_KEYS = "type, out_channels, kernel_size, stride, padding, dilation, groups, bias, weight"


CASES: list[tuple[str, str, str]] = [
    # (id, spec text, expected message after "<file>:"; " message" when no line is known)
    (
        "yaml-syntax",
        "input:\n  shape: [8, 7, 7\nops: []\n",
        "3:4: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence)",
    ),
    (
        "yaml-bad-indent",
        "input:\n  shape: [8, 7, 7]\n   seed: 1\n",
        "3:4: YAML syntax error: this line is indented differently from the lines above",
    ),
    (
        "yaml-tab",
        "input:\n\tshape: [8, 7, 7]\n",
        "2:1: YAML syntax error: tabs are not allowed; indent with spaces",
    ),
    (
        "unknown-key",
        GOOD.replace("kernel_size: 3", "kernal_size: 3"),
        "9:5: ops[0].kernal_size: unknown key 'kernal_size' (did you mean 'kernel_size'?); "
        f"allowed: {CONV2D_KEYS}",
    ),
    (
        "unknown-top-level-key",
        GOOD.replace("ops:", "op:"),
        "6:1: op: unknown key 'op' (did you mean 'ops'?); allowed: title, input, ops, animation, "
        "theme, camera, labels",
    ),
    (
        "unknown-op-type",
        GOOD.replace("type: conv2d", "type: conv2"),
        f"7:11: ops[0].type: unknown op type 'conv2' (did you mean 'conv2d'?); allowed: {OP_TYPES}",
    ),
    (
        "missing-type",
        GOOD.replace("  - type: conv2d\n    out", "  - out"),
        f"7:5: ops[0]: missing required key 'type' (the op type: {OP_TYPES})",
    ),
    (
        "missing-required-key",
        GOOD.replace("    out_channels: 8\n", ""),
        "7:5: ops[0]: missing required key 'out_channels' (conv2d needs: type, out_channels, "
        "kernel_size)",
    ),
    (
        "missing-input",
        "ops:\n  - {type: conv2d, out_channels: 8, kernel_size: 3}\n",
        "1:1: missing required key 'input' (a spec needs: input, ops)",
    ),
    (
        "wrong-type-int",
        GOOD.replace("out_channels: 8", "out_channels: three"),
        "8:19: ops[0].out_channels: expected an integer, got 'three'",
    ),
    (
        "wrong-type-pair",
        GOOD.replace("stride: 1", "stride: [1, two]"),
        "10:17: ops[0].stride[1]: expected an integer, got 'two'",
    ),
    (
        "wrong-type-bool",
        GOOD.replace("bias: true", "bias: maybe"),
        "12:11: ops[0].bias: expected true, false or a list of numbers, got 'maybe'",
    ),
    (
        "wrong-values-keyword",
        GOOD.replace("values: random", "values: randn"),
        "4:11: input.values: expected random, zeros, ones, arange, a nested list of numbers, a "
        "path to a .npy file or a PNG/JPEG picture, got 'randn' (did you mean 'random'?)",
    ),
    (
        "wrong-padding-word",
        GOOD.replace("padding: 0", "padding: full"),
        "11:14: ops[0].padding: expected an integer, a list of 2 integers [height, width], 'same' "
        "or 'valid', got 'full'",
    ),
    (
        "zero-size",
        GOOD.replace("kernel_size: 3", "kernel_size: [3, 0]"),
        "9:22: ops[0].kernel_size[1]: must be a positive integer, got 0",
    ),
    (
        "negative-shape",
        GOOD.replace("shape: [8, 7, 7]", "shape: [8, -7, 7]"),
        "3:14: input.shape[1]: must be a positive integer, got -7",
    ),
    (
        "negative-padding",
        GOOD.replace("padding: 0", "padding: -1"),
        "11:14: ops[0].padding: must be 0 or a positive integer, got -1",
    ),
    (
        "zero-channels",
        GOOD.replace("out_channels: 8", "out_channels: 0"),
        "8:19: ops[0].out_channels: must be a positive integer, got 0",
    ),
    (
        "groups-do-not-divide",
        GOOD.replace("padding: 0", "padding: 0\n    groups: 3"),
        "12:13: ops[0].groups: groups=3 does not divide in_channels=8 (allowed: 1, 2, 4, 8)",
    ),
    (
        "groups-do-not-divide-out",
        GOOD.replace("out_channels: 8", "out_channels: 6").replace(
            "padding: 0", "padding: 0\n    groups: 4"
        ),
        "12:13: ops[0].groups: groups=4 does not divide out_channels=6 (allowed: 1, 2)",
    ),
    (
        "kernel-larger-than-padded-input",
        GOOD.replace("kernel_size: 3", "kernel_size: 9"),
        "9:18: ops[0].kernel_size: the 9x9 kernel does not fit in the padded 7x7 input: "
        "H_out = floor((7 + 2*0 - 1*(9-1) - 1) / 1) + 1 = -1; use a smaller kernel, more padding "
        "or a larger input",
    ),
    (
        "dilated-kernel-too-large",
        GOOD.replace("padding: 0", "padding: [1, 0]\n    dilation: [1, 4]"),
        "9:18: ops[0].kernel_size: the 3x3 kernel with dilation [1, 4] (spanning 3x9) does not "
        "fit in the padded 9x7 input: W_out = floor((7 + 2*0 - 4*(3-1) - 1) / 1) + 1 = -1; use "
        "a smaller kernel, more padding or a larger input",
    ),
    (
        "invalid-output-padding",
        "input: {shape: [2, 4, 4]}\n"
        "ops:\n"
        "  - type: conv_transpose2d\n"
        "    out_channels: 2\n"
        "    kernel_size: 3\n"
        "    stride: [2, 1]\n"
        "    output_padding: [1, 1]\n",
        "7:21: ops[0].output_padding: output_padding [1, 1] must be smaller than the stride "
        "[2, 1] or the dilation [1, 1] in each axis (as in PyTorch); axis W has 1",
    ),
    (
        "same-padding-with-stride",
        GOOD.replace("padding: 0", "padding: same").replace("stride: 1", "stride: 2"),
        "11:14: ops[0].padding: padding 'same' needs stride 1 (as in PyTorch), got stride "
        "[2, 2]; give the padding as numbers instead",
    ),
    (
        "pool-padding-over-half-the-window",
        "input: {shape: [2, 6, 6]}\nops:\n  - type: avg_pool2d\n    kernel_size: 3\n"
        "    padding: [1, 2]\n",
        "5:14: ops[0].padding: padding [1, 2] must be at most half the window (as in PyTorch): "
        "kernel_size [3, 3] allows at most [1, 1]",
    ),
    (
        "channel-shuffle-groups",
        "input: {shape: [6, 4, 4]}\nops:\n  - type: channel_shuffle\n    groups: 4\n",
        "4:13: ops[0].groups: groups=4 does not divide the 6 channels (allowed: 1, 2, 3, 6)",
    ),
    (
        "conv3d-on-2d-input",
        GOOD.replace("type: conv2d", "type: conv3d"),
        "7:11: ops[0].type: conv3d needs a volume input [C, D, H, W] or [N, C, D, H, W]; "
        "input.shape [8, 7, 7] is a 2-D input (C, H, W)",
    ),
    (
        "2d-op-on-5d-input",
        "input: {shape: [2, 4, 6, 6]}\n"
        "ops:\n"
        "  - {type: conv3d, out_channels: 2, kernel_size: 3}\n"
        "  - {type: max_pool2d, kernel_size: 2}\n",
        "4:12: ops[1].type: max_pool2d needs a 4-D input (N, C, H, W); its input, the output of "
        "ops[0], is 5-D (1, 2, 2, 4, 4)",
    ),
    (
        "5d-shape-for-2d-op",
        "input: {shape: [1, 2, 4, 6, 6]}\n"
        "ops:\n  - {type: conv2d, out_channels: 2, kernel_size: 3}\n",
        "1:16: input.shape: a 5-D shape [N, C, D, H, W] is for conv3d, but ops[0] is conv2d, "
        "which needs [C, H, W] or [N, C, H, W]",
    ),
    (
        "values-wrong-shape",
        "input:\n  shape: [1, 2, 2]\n  values: [[[1, 2, 4], [3, 4, 5]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 2}]\n",
        "3:11: input.values: expected shape (1, 1, 2, 2) or (1, 2, 2) (N, C, H, W), got (1, 2, 3)",
    ),
    (
        "values-ragged",
        "input:\n  shape: [1, 2, 2]\n  values: [[[1, 2], [3]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 2}]\n",
        "3:21: input.values[0][1]: has shape (1,) but [0][0] has shape (2,) (the nested list must "
        "be rectangular)",
    ),
    (
        "weight-wrong-shape",
        GOOD.replace("bias: true", "weight: [[1, 2, 3]]"),
        "12:13: ops[0].weight: expected shape (8, 8, 3, 3) (out_channels, in_channels/groups, "
        "kh, kw), got (1, 3)",
    ),
    (
        "offset-wrong-shape",
        "input: {shape: [4, 5, 5]}\n"
        "ops:\n"
        "  - type: deform_conv2d\n"
        "    out_channels: 2\n"
        "    kernel_size: 3\n"
        "    offset: zeros\n"
        "    mask: [[[1, 2], [3, 4]]]\n",
        "7:11: ops[0].mask: expected shape (1, 9, 3, 3) or (9, 3, 3) (N, offset_groups*kh*kw, "
        "H_out, W_out), got (1, 2, 2)",
    ),
    (
        "se-weight-wrong-shape",
        "input: {shape: [8, 5, 5]}\n"
        "ops:\n"
        "  - type: squeeze_excitation\n"
        "    fc2_weight: [[1, 2, 3]]\n",
        "4:17: ops[0].fc2_weight: expected shape (8, 2) (channels, hidden), got (1, 3)",
    ),
    (
        "conv3d-after-a-2d-op",
        "input: {shape: [4, 6, 6]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 4, kernel_size: 3}\n"
        "  - {type: conv3d, out_channels: 4, kernel_size: 3}\n",
        "4:12: ops[1].type: conv3d needs a 5-D input (N, C, D, H, W); its input, the output of "
        "ops[0], is 4-D (1, 4, 4, 4)",
    ),
    (
        "bias-wrong-length",
        GOOD.replace("bias: true", "bias: [1, 2, 3]"),
        "12:11: ops[0].bias: expected 8 values (one per output channel), got 3",
    ),
    (
        "nan-in-values",
        "input:\n  shape: [1, 2, 2]\n  values: [[[1, 2], [.nan, 3]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 2}]\n",
        "3:22: input.values[0][1][0]: NaN is not allowed (first bad element at index [0, 1, 0]); "
        "values must be finite numbers",
    ),
    (
        "inf-in-bias",
        GOOD.replace("out_channels: 8", "out_channels: 2").replace(
            "bias: true", "bias: [1, -.inf]"
        ),
        "12:15: ops[0].bias[1]: -inf is not allowed (first bad element at index [1]); values "
        "must be finite numbers",
    ),
    (
        "output-too-large",
        "input: {shape: [16, 512, 512]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 16, kernel_size: 1}\n"
        "  - {type: conv2d, out_channels: 160, kernel_size: 1}\n",
        "4:5: ops[1]: the output of ops[1] would have 41,943,040 elements; the limit is "
        "33,554,432: use a smaller input or fewer channels",
    ),
    (
        "too-many-macs",
        "input: {shape: [64, 128, 128]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 1024, kernel_size: 5, padding: 2}\n",
        "3:5: ops[0]: ops[0] would need 26,843,545,600 multiply-accumulates; the limit is "
        "20,000,000,000: use a smaller input or fewer channels",
    ),
    (
        "unfolded-windows-too-large",
        "input: {shape: [64, 128, 128]}\n"
        "ops:\n"
        "  - {type: max_pool2d, kernel_size: 7, stride: 1, padding: 3}\n",
        "3:5: ops[0]: the unfolded windows of ops[0] would have 51,380,224 elements; the limit "
        "is 33,554,432: use a smaller input, a smaller kernel or fewer channels",
    ),
    (
        "input-too-large",
        "input: {shape: [4, 64, 512, 512]}\nops:\n  - {type: max_pool2d, kernel_size: 2}\n",
        "1:16: input.shape: the input would have 67,108,864 elements; the limit is 33,554,432: "
        "use a smaller input",
    ),
    (
        "python-tag",
        "input: !!python/object/apply:os.system ['echo hi']\nops: []\n",
        "1:8: input: the YAML tag '!!python/object/apply:os.system' is not allowed; a spec holds "
        "plain YAML only (mappings, lists, text, numbers, true/false, null)",
    ),
    (
        "custom-tag",
        GOOD.replace("seed: 0", "seed: !seed 0"),
        "5:9: input.seed: the YAML tag '!seed' is not allowed; a spec holds plain YAML only "
        "(mappings, lists, text, numbers, true/false, null)",
    ),
    (
        "recursive-alias",
        "input: &a {shape: [1, 2, 2], values: *a}\nops: []\n",
        "1:8: input.values: a recursive alias (an anchor used inside itself)",
    ),
    ("empty-file", "", " the file is empty; a spec needs at least 'input' and 'ops'"),
    (
        "only-comments",
        "# a spec\n# with nothing in it\n",
        " the file is empty; a spec needs at least 'input' and 'ops'",
    ),
    (
        "empty-ops",
        "input: {shape: [8, 7, 7]}\nops: []\n",
        "2:6: ops: the ops list is empty; add at least one op, e.g. '- type: conv2d'",
    ),
    (
        "two-documents",
        GOOD + "---\n" + GOOD,
        "13:1: the file holds more than one YAML document ('---' starts a new one); a spec is a "
        "single document",
    ),
    (
        "duplicate-key",
        GOOD.replace("stride: 1", "stride: 1\n    stride: 2"),
        "11:5: ops[0].stride: duplicate key 'stride' (first written on line 10)",
    ),
    (
        "not-a-mapping",
        "- conv2d\n- conv2d\n",
        "1:1: a spec is a mapping with the keys 'input' and 'ops', got a list",
    ),
    (
        "op-not-a-mapping",
        "input: {shape: [8, 7, 7]}\nops: [conv2d]\n",
        "2:7: ops[0]: expected a mapping (key: value lines), got 'conv2d'",
    ),
    (
        "theme-choice",
        GOOD + "theme:\n  name: drak\n",
        "14:9: theme.name: expected one of 'light', 'dark', got 'drak' (did you mean 'dark'?)",
    ),
    (
        "language-choice",
        GOOD + "labels:\n  language: zh-CN\n",
        "14:13: labels.language: expected one of 'en', 'zh', got 'zh-CN' (did you mean 'zh'?)",
    ),
    # one case per constraint the JSON Schema repeats (tests/test_schema.py feeds it every case)
    (
        "zero-stride",
        GOOD.replace("stride: 1", "stride: 0"),
        "10:13: ops[0].stride: must be a positive integer, got 0",
    ),
    (
        "pool-stride-zero",
        "input: {shape: [2, 6, 6]}\nops:\n  - type: max_pool2d\n    kernel_size: 2\n"
        "    stride: 0\n",
        "5:13: ops[0].stride: must be a positive integer, got 0",
    ),
    (
        "divisor-zero",
        "input: {shape: [2, 6, 6]}\nops:\n  - type: avg_pool2d\n    kernel_size: 2\n"
        "    divisor_override: 0\n",
        "5:23: ops[0].divisor_override: must be a positive integer, got 0",
    ),
    (
        "negative-seed",
        GOOD.replace("seed: 0", "seed: -1"),
        "5:9: input.seed: must be 0 or a positive integer, got -1",
    ),
    (
        "pair-three-values",
        GOOD.replace("kernel_size: 3", "kernel_size: [3, 3, 3]"),
        "9:18: ops[0].kernel_size: expected 2 values [height, width], got 3",
    ),
    (
        "float-kernel-size",
        GOOD.replace("kernel_size: 3", "kernel_size: 3.0"),
        "9:18: ops[0].kernel_size: expected an integer or a list of 2 integers [height, width], "
        "got 3.0",
    ),
    (
        "conv3d-padding-pair",
        "input: {shape: [2, 4, 6, 6]}\nops:\n  - type: conv3d\n    out_channels: 2\n"
        "    kernel_size: 3\n    padding: [1, 1]\n",
        "6:14: ops[0].padding: expected 3 values [depth, height, width], got 2",
    ),
    (
        "same-padding-stride-list",
        GOOD.replace("padding: 0", "padding: same").replace("stride: 1", "stride: [1, 2]"),
        "11:14: ops[0].padding: padding 'same' needs stride 1 (as in PyTorch), got stride "
        "[1, 2]; give the padding as numbers instead",
    ),
    (
        "shape-two-sizes",
        GOOD.replace("shape: [8, 7, 7]", "shape: [7, 7]"),
        "7:11: ops[0].type: conv2d needs [C, H, W] or [N, C, H, W]; input.shape [7, 7] is a "
        "1-D input (C, L)",
    ),
    (
        "shape-one-size",
        GOOD.replace("shape: [8, 7, 7]", "shape: [7]"),
        "7:11: ops[0].type: conv2d needs [C, H, W] or [N, C, H, W]; input.shape [7] is a "
        "vector (F)",
    ),
    (
        "shape-six-sizes",
        GOOD.replace("shape: [8, 7, 7]", "shape: [1, 1, 1, 8, 7, 7]"),
        "3:10: input.shape: expected 1 to 5 sizes (F / C, L / C, H, W / N, C, H, W / "
        "C, D, H, W / N, C, D, H, W), got 6",
    ),
    (
        "linear-in-features-mismatch",
        "input:\n  shape: [2, 3, 3]\nops:\n  - type: flatten\n  - type: linear\n"
        "    out_features: 4\n    in_features: 9\n",
        "7:18: ops[1].in_features: in_features=9, but the input has 18 features (1, 18); write "
        "in_features: 18 or leave it out",
    ),
    (
        "flatten-start-dim",
        "input:\n  shape: [2, 3, 3]\nops:\n  - type: flatten\n    start_dim: 2\n",
        "5:16: ops[0].start_dim: only start_dim 1 is supported (keep the batch, flatten the rest, "
        "like nn.Flatten()), got 2",
    ),
    (
        "batch-norm-negative-variance",
        "input:\n  shape: [2, 3, 3]\nops:\n  - type: batch_norm2d\n    running_var: [1, -0.5]\n",
        "5:18: ops[0].running_var: values must be >= 0 (a variance), got -0.5 at [1]",
    ),
    (
        "relu-unknown-key",
        "input:\n  shape: [2, 3, 3]\nops:\n  - type: relu\n    inplace: true\n",
        "5:5: ops[0].inplace: unknown key 'inplace'; allowed: type",
    ),
    (
        "normalize-unknown-word",
        GOOD.replace("seed: 0", "seed: 0\n  normalize: imagenett"),
        "6:14: input.normalize: expected none, imagenet or {mean: [...], std: [...]}, got "
        "'imagenett' (did you mean 'imagenet'?)",
    ),
    (
        "normalize-zero-std",
        GOOD.replace("seed: 0", "seed: 0\n  normalize: {mean: [0.5], std: [0.2, 0]}"),
        "6:39: input.normalize.std[1]: a standard deviation must be > 0, got 0.0",
    ),
    (
        "linear-on-a-picture-shape",
        "input:\n  shape: [8, 7, 7]\nops:\n  - type: linear\n    out_features: 3\n",
        "2:10: input.shape: a 3-D shape [C, H, W] or [N, C, L] is for 2-D or 1-D ops, but ops[0] "
        "is linear, which needs [F] or [N, F]; put '- type: flatten' before it",
    ),
    (
        "values-npz",
        GOOD.replace("values: random", "values: data.npz"),
        "4:11: input.values: expected random, zeros, ones, arange, a nested list of numbers, a "
        "path to a .npy file or a PNG/JPEG picture, got 'data.npz'",
    ),
    (
        "values-too-deep",
        "input:\n  shape: [1, 1, 1]\n  values: [[[[[[[1]]]]]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 1}]\n",
        "3:17: input.values[0][0][0][0][0][0]: lists nested deeper than 6 levels",
    ),
    (
        "values-list-among-numbers",
        "input:\n  shape: [1, 1, 2]\n  values: [[[1, [2]]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 1}]\n",
        "3:17: input.values[0][0][1]: expected a number like its neighbours, got a list (the "
        "nested list must be rectangular)",
    ),
    (
        "values-empty-list",
        "input:\n  shape: [1, 1, 2]\n  values: [[[]]]\nops: [{type: max_pool2d, kernel_size: 1}]\n",
        "3:13: input.values[0][0]: an empty list holds no values",
    ),
    (
        "values-empty-inner-list",
        "input:\n  shape: [1, 1, 2]\n  values: [[[1, 2], []]]\n"
        "ops: [{type: max_pool2d, kernel_size: 1}]\n",
        "3:21: input.values[0][1]: an empty list holds no values",
    ),
    (
        "values-text-in-list",
        "input:\n  shape: [1, 1, 2]\n  values: [[[1, two]]]\n"
        "ops: [{type: max_pool2d, kernel_size: 1}]\n",
        "3:17: input.values[0][0][1]: expected a number, got 'two'",
    ),
    (
        "bias-nested",
        GOOD.replace("bias: true", "bias: [[1, 2]]"),
        "12:11: ops[0].bias: expected a flat list of numbers (one per output channel), got a "
        "nested list of shape (1, 2)",
    ),
    (
        "bias-empty",
        GOOD.replace("bias: true", "bias: []"),
        "12:11: ops[0].bias: an empty list holds no values",
    ),
    (
        "title-number",
        GOOD.replace("title: Standard convolution", "title: 3"),
        "1:8: title: expected text, got 3 (put it in quotes)",
    ),
    (
        "empty-channels",
        GOOD + "animation:\n  channels: []\n",
        "14:13: animation.channels: the list of channels is empty",
    ),
    (
        "negative-channel",
        GOOD + "animation:\n  channels: [0, -1]\n",
        "14:17: animation.channels[1]: channel numbers start at 0, got -1",
    ),
    (
        "show-values-word",
        GOOD + "animation:\n  show_values: always\n",
        "14:16: animation.show_values: expected true, false or 'auto', got 'always'",
    ),
    (
        "closeup-negative",
        GOOD + "animation:\n  closeup: -2\n",
        "14:12: animation.closeup: expected true, false or a number of window positions "
        "(0 or more), got -2",
    ),
    (
        "zero-op-duration",
        GOOD + "animation:\n  op_duration: 0\n",
        "14:16: animation.op_duration: must be a positive number, got 0",
    ),
    (
        "zero-zoom",
        GOOD + "camera:\n  zoom: 0\n",
        "14:9: camera.zoom: must be a positive number, got 0",
    ),
    (
        "control-character",
        GOOD.replace("Standard convolution", "Standard \x07convolution"),
        "1:17: the character U+0007 is not allowed in YAML (a control character or a "
        "non-character); remove it",
    ),
]

#: Ten anchors, each a list of ten aliases to the previous one: 10**9 values once expanded.
ALIAS_BOMB = (
    "\n".join(
        ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    )
    + "\n"
)
#: A spec one comment line over the size limit.
OVERSIZED = "title: x\n" + "# padding\n" * (MAX_DOCUMENT_BYTES // 10 + 1)
#: Lists nested 5000 deep.
DEEP_NESTING = "title: " + "[" * 5000 + "]" * 5000 + "\n"
#: A spec whose input values come from a .npy file.
NPY_SPEC = (
    "input:\n  shape: [2, 3, 3]\n  values: {path}\nops: [{{type: max_pool2d, kernel_size: 3}}]\n"
)

#: The bad documents of the tests of tests/test_spec_errors.py outside ``CASES``, by id. The .npy
#: tests differ only in the files next to the spec: to a JSON Schema, each is a relative path
#: ending in .npy ("npy-file-problems") or an absolute one ("npy-absolute").
OTHER_BAD_SPECS: dict[str, str] = {
    "alias-bomb": ALIAS_BOMB,
    "over-size-limit": OVERSIZED,
    "deep-nesting": DEEP_NESTING,
    "npy-file-problems": NPY_SPEC.format(path="data/x.npy"),
    "npy-absolute": NPY_SPEC.format(path="/data/outside.npy"),
}
