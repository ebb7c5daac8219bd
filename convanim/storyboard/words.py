"""Every word convanim writes on screen, in each language of ``labels.language``.

One :class:`Words` per language, chosen with :func:`words_for`. A field is a ``str.format``
template (its placeholders are named in braces) or a small mapping; both languages fill every
field (a dataclass without defaults: a word missing in one language fails at import). The
storyboard formats these into the final strings of the Timeline; the renderer only looks up the
few words it composes itself (what a far-away block leaves out, :attr:`Words.lod_tile`...).

Op names (``conv2d``, ``max_pool2d``), symbols (``Σ``, ``×``, ``out[0,0,1]``, ``H_out``,
``b``, ``k``, ``floor``, ``ReLU``...) and numbers are the same in every language. The Chinese
terms are those of Chinese course material (输入 / 卷积核 / 输出, 步长, 填充, 膨胀, 分组...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["EN", "LANGUAGES", "ZH", "Words", "words_for"]


@dataclass(frozen=True)
class Words:
    """The on-screen words of one language (see the module docstring)."""

    language: str
    # blocks
    input: str
    zeros_inserted: str
    # op captions (the name above an output block)
    conv2d: str
    depthwise: str
    pointwise: str
    pointwise_group: str
    group: str
    dilation: str
    conv1d: str
    depthwise_conv1d: str
    group_conv1d: str
    conv3d: str
    group_conv3d: str
    pool_names: Mapping[str, str]
    transposed: str
    stride: str
    stride_pair: str
    shuffle: str
    squeeze_excitation: str
    deformable: str
    batch_norm: str
    flatten: str
    linear: str
    picture: str
    # step equations (the caption line)
    step_sum: str
    step_sum_flipped: str
    step_sum_3d: str
    step_pool: str
    reductions: Mapping[str, str]
    deform_grid: str
    deform_offsets: str
    deform_bilinear: str
    stamp: str
    stamp_rest: str
    stamps_summed: str
    stamps_bias: str
    insert_zeros: str
    pad_border: str
    output_padding: str
    then_conv: str
    se_squeeze: str
    se_excite: str
    se_sigmoid: str
    se_scale: str
    se_heads: tuple[str, str, str]
    shuffle_reshape: str
    shuffle_transpose: str
    shuffle_flatten: str
    relu_step: str
    bn_lift: str
    bn_normalize: str
    bn_affine: str
    bn_rest: str
    flatten_step: str
    dense_step: str
    dense_largest: str
    receptive_title: str
    # the close-up panel of one window's arithmetic (animation.closeup)
    closeup: Mapping[str, str]
    # the matrix view (animation.view: matrix)
    matrix_unroll_x: str
    matrix_weights_dense: str
    matrix_row: str
    matrix_fold_y: str
    matrix_weights_transposed: str
    matrix_flip: str
    matrix_unroll_y: str
    matrix_column: str
    matrix_fold_x: str
    matrix_patch: str
    matrix_filters: str
    matrix_block_diagonal: str
    matrix_product: str
    matrix_fold_rows: str
    matrix_channel: str
    receptive_depends: str
    receptive_whole: str
    receptive_pixels: str
    # chapters and captions (the .vtt beside a video)
    chapter_input: str
    cue_fast: str
    cue_fill: str
    # overlays
    table_columns: Mapping[str, str]
    table_rows: Mapping[str, str]
    pool_kernel_row: str
    params: str
    macs: str
    flops: str
    legend: str
    formula_phrases: tuple[tuple[str, str], ...]
    # words inside typeset equations (storyboard/equations.py writes them as \text{...})
    math_words: Mapping[str, str]
    # what the renderer leaves out of a large block
    lod_tile: str
    lod_channels: str
    lod_depths: str
    lod_volumes: str

    def op_name(self, mapping: Mapping[str, str], key: str, default: str) -> str:
        """``mapping[key]``, or ``default`` (an op's own name) when the language has none."""
        return mapping.get(key, default)

    def formula(self, line: str) -> str:
        """An output-size formula line of the op registry in this language (its phrases
        replaced; symbols and numbers unchanged)."""
        for pattern, replacement in self.formula_phrases:
            line = re.sub(pattern, replacement, line)
        return line

    def formula_tex(self, tex: str) -> str:
        r"""An output-size formula of the op registry in LaTeX, in this language: each
        ``\text{word}`` it holds (``\text{features}``) replaced by :attr:`math_words`'s word,
        any other ``\text{...}`` (``\text{(channels reordered in 3 groups)}``) translated
        like a formula line (:meth:`formula`)."""
        return re.sub(
            r"\\text\{([^{}]*)\}",
            lambda m: "\\text{" + self.math_words.get(m.group(1), self.formula(m.group(1))) + "}",
            tex,
        )

    def column(self, name: str) -> str:
        """The header of a shape-table column (``batch``, ``height``, ``in_channel``...)."""
        return self.table_columns.get(name, name)

    def row(self, name: str, pooling: bool = False) -> str:
        """The name of a shape-table row (``Input``, ``Kernel``, ``Output``)."""
        if pooling and name == "Kernel":
            return self.pool_kernel_row
        return self.table_rows.get(name, name)


def _frozen(mapping: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(mapping)


EN = Words(
    language="en",
    input="input",
    zeros_inserted="zeros inserted",
    conv2d="conv2d",
    depthwise="depthwise conv",
    pointwise="pointwise conv",
    pointwise_group="pointwise group conv (g={g})",
    group="group conv (g={g})",
    dilation=", dilation {d}",
    conv1d="conv1d",
    depthwise_conv1d="depthwise conv1d",
    group_conv1d="group conv1d (g={g})",
    conv3d="conv3d",
    group_conv3d="group conv3d (g={g})",
    pool_names=_frozen({}),
    transposed="transposed conv",
    stride=", stride {s}",
    stride_pair=", stride ({sh}, {sw})",
    shuffle="channel shuffle (g={g})",
    squeeze_excitation="SE (r={r})",
    deformable="deformable conv",
    batch_norm="batch norm",
    flatten="flatten",
    linear="linear (fully connected)",
    picture="input picture",
    step_sum="{target} = Σ window × kernel{bias} = {value}",
    step_sum_flipped="{target} = Σ window × flipped kernel{bias} = {value}",
    step_sum_3d="{target} = Σ {size} window × kernel{bias} = {value}",
    step_pool="{target} = {fn}(window) = {value}",
    reductions=_frozen({}),
    deform_grid="regular {kh}×{kw} grid of {target}",
    deform_offsets="+ learned offsets Δp_k (fractional)",
    deform_bilinear="bilinear: each point mixes its 4 neighbours",
    stamp="{target} += {source} × kernel",
    stamp_rest="… every input element stamps its kernel",
    stamps_summed="overlapping stamps summed",
    stamps_bias=", + bias: the output",
    insert_zeros="insert stride - 1 = {zeros} zero(s) between inputs: {hin}×{win} -> {dh}×{dw}",
    pad_border="pad the border by d·(k-1) - p = {dil}·({kh}-1) - {ph} = {border}",
    output_padding=", + output_padding {oph} bottom/right",
    then_conv="then an ordinary conv: kernel flipped 180°, stride 1",
    se_squeeze="squeeze: s[c] = mean of the {h}×{w} cells of channel c",
    se_excite="excite: h = ReLU(FC1 s),  FC1: {channels} -> {hidden}",
    se_sigmoid="w = sigmoid(FC2 h),  FC2: {hidden} -> {channels},  w[0] = {w0}",
    se_scale="scale: out[c] = x[c] × w[c]",
    se_heads=("mean s", "ReLU h", "sigmoid w"),
    shuffle_reshape="reshape: {channels} channels -> ({groups} groups, {per})",
    shuffle_transpose="transpose: ({groups}, {per}) -> ({per}, {groups})",
    shuffle_flatten="flatten: out[j] = in[perm[j]],  perm = {perm}",
    relu_step="ReLU: y = max(x, 0); {n} of {total} values were negative and become 0",
    bn_lift="every channel c has its own running mean μ and variance σ², scale γ and shift β",
    bn_normalize="channel {c}: x̂ = (x - μ) / √(σ² + ε) = (x {m}) / {d}",
    bn_affine="channel {c}: y = γ × x̂ + β = {g} × x̂ {b} = x × {s} {t}",
    bn_rest="channels {first}–{last}: the same, each with its own μ, σ², γ, β",
    flatten_step="flatten: the {layout} cubes line up in one row of {n} features",
    dense_step="out[{j}] = Σ W[{j}, i] × x[i] over {n} inputs{bias} = {value}",
    dense_largest="out[{j}] = {value} is the largest of the {n} outputs",
    receptive_title="receptive field of {cell}",
    closeup=_frozen(
        {
            "window": "window",
            "kernel": "kernel",
            "products": "products",
            "input": "input",
            "dot": "Σ x·w",
            "weights": "weights",
            "channel": "ch {c}",
            "slice": "ch {c}, depth {d}",
            "more_channels": "+ {n} more channels",
            "more_slices": "+ {n} more slices",
            "bias": "b",
            "sum": "Σ",
            "max": "max",
            "mean": "mean",
            "count": "count",
            "padding_counts": "padding counts",
            "padding_skipped": "padding not counted",
            "padding": "pad",
            "tap": "tap {k} at ({y}, {x})",
            "sampled": "sampled",
            "approx": "≈ (rounded parts)",
            "stamp": "stamp",
            "stamp_sum": "stamp: Σ of {n} channels",
            "so_far": "so far",
            "now": "now",
            "cut": "cut off",
        }
    ),
    matrix_unroll_x="unroll: the {h}×{w} input, row by row, is the column x ({n} values)",
    matrix_weights_dense=(
        "C ({rows}×{cols}): row i = the {kh}×{kw} kernel at window i, zeros elsewhere"
    ),
    matrix_row="y{i} = row {index} of C · x{bias} = {value}",
    matrix_fold_y="y folds back into the {ho}×{wo} output",
    matrix_weights_transposed=(
        "C ({rows}×{cols}): the convolution {ho}×{wo} -> {h}×{w} this op transposes"
    ),
    matrix_flip="transpose: Cᵀ ({rows}×{cols}), row i of C is column i of Cᵀ",
    matrix_unroll_y="unroll: the {h}×{w} input, row by row, is the column y",
    matrix_column=(
        "x' += column {index} of Cᵀ × y{i} ({value}): input cell {index} stamps the kernel"
    ),
    matrix_fold_x="x'{bias} folds into the {ho}×{wo} output",
    matrix_patch="im2col: window {index} -> column {index} of P ({n} values)",
    matrix_filters="F ({rows}×{cols}): one row per filter",
    matrix_block_diagonal=", block diagonal by group",
    matrix_product="Y = F·P{bias} ({rows}×{cols})",
    matrix_fold_rows="each row of Y folds into an output channel ({ho}×{wo})",
    matrix_channel="ch {c}",
    receptive_depends="{cell} depends on {size}",
    receptive_whole="the whole input",
    receptive_pixels="{size} input pixels",
    chapter_input="input {shape}",
    cue_fast="the other {n} positions of output channel {channel}, fast-forwarded",
    cue_fill="output channels {channels} computed at once",
    table_columns=_frozen({}),
    table_rows=_frozen({}),
    pool_kernel_row="Kernel",
    params="params {n}",
    macs="MACs {n}",
    flops="FLOPs {n}",
    legend="output value",
    formula_phrases=(),
    math_words=_frozen(
        {
            "window": "window",
            "kernel": "kernel",
            "flip": "flip",
            "rows": "rows",
            "cols": "cols",
            "squeeze": "squeeze",
            "excite": "excite",
            "scale": "scale",
            "input_cell": "input cell {index} stamps the kernel",
            "row": "row {i}",
            "col": "col {i}",
            "cropped": " ({which} cropped)",
            "none": "none",
            "features": "features",
            "hidden": "hidden",
            "channel": "channel {c}",
            "relu_count": "{n} of {total} values were negative and become 0",
            "flatten_order": "flatten ({layout} order)",
            "insert_zeros": "insert {math} zero(s) between inputs:",
            "pad_border": "pad the border by {math}",
            "output_padding": "{math} more on the bottom/right",
            "shuffle_flatten": "flatten: {math}",
            "dense_largest": "{math} is the largest of the {n} outputs",
        }
    ),
    lod_tile="1 cube = {rows}×{cols}",
    lod_channels="channels {first}–{last} elided",
    lod_depths="depths {first}–{last} elided",
    lod_volumes="volumes {first}–{last} elided",
)

ZH = Words(
    language="zh",
    input="输入",
    zeros_inserted="插零后的输入",
    conv2d="二维卷积",
    depthwise="深度卷积",
    pointwise="逐点卷积",
    pointwise_group="逐点分组卷积 (g={g})",
    group="分组卷积 (g={g})",
    dilation=", 膨胀 {d}",
    conv1d="一维卷积",
    depthwise_conv1d="一维深度卷积",
    group_conv1d="一维分组卷积 (g={g})",
    conv3d="三维卷积",
    group_conv3d="三维分组卷积 (g={g})",
    pool_names=_frozen({"max": "最大池化", "mean": "平均池化"}),
    transposed="转置卷积",
    stride=", 步长 {s}",
    stride_pair=", 步长 ({sh}, {sw})",
    shuffle="通道混洗 (g={g})",
    squeeze_excitation="挤压激励 (r={r})",
    deformable="可变形卷积",
    batch_norm="批归一化",
    flatten="展平",
    linear="全连接层 (linear)",
    picture="输入图片",
    step_sum="{target} = Σ 窗口 × 卷积核{bias} = {value}",
    step_sum_flipped="{target} = Σ 窗口 × 翻转的卷积核{bias} = {value}",
    step_sum_3d="{target} = Σ {size} 窗口 × 卷积核{bias} = {value}",
    step_pool="{target} = {fn}(窗口) = {value}",
    reductions=_frozen({"mean": "平均"}),
    deform_grid="{target} 的规则 {kh}×{kw} 采样网格",
    deform_offsets="+ 学到的偏移 Δp_k (可为小数)",
    deform_bilinear="双线性插值: 每个采样点混合相邻的 4 个像素",
    stamp="{target} += {source} × 卷积核",
    stamp_rest="… 每个输入元素都盖上一次卷积核",
    stamps_summed="重叠部分相加",
    stamps_bias=", 加上偏置: 得到输出",
    insert_zeros="输入之间插入 步长 - 1 = {zeros} 个零: {hin}×{win} -> {dh}×{dw}",
    pad_border="边缘填充 d·(k-1) - p = {dil}·({kh}-1) - {ph} = {border}",
    output_padding=", 下方和右侧再补 output_padding {oph}",
    then_conv="再做普通卷积: 卷积核旋转 180°, 步长 1",
    se_squeeze="挤压: s[c] = 通道 c 的 {h}×{w} 个值的平均",
    se_excite="激励: h = ReLU(FC1 s),  FC1: {channels} -> {hidden}",
    se_sigmoid="w = sigmoid(FC2 h),  FC2: {hidden} -> {channels},  w[0] = {w0}",
    se_scale="缩放: out[c] = x[c] × w[c]",
    se_heads=("平均 s", "ReLU h", "sigmoid w"),
    shuffle_reshape="重排: {channels} 个通道 -> ({groups} 组, {per})",
    shuffle_transpose="转置: ({groups}, {per}) -> ({per}, {groups})",
    shuffle_flatten="展平: out[j] = in[perm[j]],  perm = {perm}",
    relu_step="ReLU: y = max(x, 0); {total} 个值中有 {n} 个为负, 变为 0",
    bn_lift="每个通道 c 有自己的滑动均值 μ 和方差 σ², 缩放 γ 和平移 β",
    bn_normalize="通道 {c}: x̂ = (x - μ) / √(σ² + ε) = (x {m}) / {d}",
    bn_affine="通道 {c}: y = γ × x̂ + β = {g} × x̂ {b} = x × {s} {t}",
    bn_rest="通道 {first}–{last}: 同样, 各用自己的 μ, σ², γ, β",
    flatten_step="展平: {layout} 顺序的方块排成一行, 共 {n} 个特征",
    dense_step="out[{j}] = Σ W[{j}, i] × x[i], 共 {n} 个输入{bias} = {value}",
    dense_largest="{n} 个输出中最大的是 out[{j}] = {value}",
    receptive_title="{cell} 的感受野",
    closeup=_frozen(
        {
            "window": "窗口",
            "kernel": "卷积核",
            "products": "乘积",
            "input": "输入",
            "dot": "Σ x·w",
            "weights": "权重",
            "channel": "通道 {c}",
            "slice": "通道 {c}, 深度 {d}",
            "more_channels": "+ 其余 {n} 个通道",
            "more_slices": "+ 其余 {n} 个切片",
            "bias": "b",
            "sum": "Σ",
            "max": "最大值",
            "mean": "平均",
            "count": "个数",
            "padding_counts": "填充计入",
            "padding_skipped": "填充不计入",
            "padding": "填充",
            "tap": "采样点 {k} 位于 ({y}, {x})",
            "sampled": "采样值",
            "approx": "≈ (各项已舍入)",
            "stamp": "盖印",
            "stamp_sum": "盖印: {n} 个通道之和",
            "so_far": "此前",
            "now": "此后",
            "cut": "裁掉",
        }
    ),
    matrix_unroll_x="展开: {h}×{w} 的输入逐行排成列向量 x ({n} 个值)",
    matrix_weights_dense="C ({rows}×{cols}): 第 i 行 = 窗口 i 处的 {kh}×{kw} 卷积核, 其余为 0",
    matrix_row="y{i} = C 的第 {index} 行 · x{bias} = {value}",
    matrix_fold_y="y 折回 {ho}×{wo} 的输出",
    matrix_weights_transposed="C ({rows}×{cols}): 本层所转置的 {ho}×{wo} -> {h}×{w} 卷积",
    matrix_flip="转置: Cᵀ ({rows}×{cols}), C 的第 i 行是 Cᵀ 的第 i 列",
    matrix_unroll_y="展开: {h}×{w} 的输入逐行排成列向量 y",
    matrix_column="x' += Cᵀ 的第 {index} 列 × y{i} ({value}): 输入单元 {index} 印上卷积核",
    matrix_fold_x="x'{bias} 折回 {ho}×{wo} 的输出",
    matrix_patch="im2col: 窗口 {index} -> P 的第 {index} 列 ({n} 个值)",
    matrix_filters="F ({rows}×{cols}): 每个卷积核一行",
    matrix_block_diagonal=", 按分组成块对角",
    matrix_product="Y = F·P{bias} ({rows}×{cols})",
    matrix_fold_rows="Y 的每一行折回一个输出通道 ({ho}×{wo})",
    matrix_channel="通道 {c}",
    receptive_depends="{cell} 依赖于 {size}",
    receptive_whole="整个输入",
    receptive_pixels="{size} 个输入像素",
    chapter_input="输入 {shape}",
    cue_fast="输出通道 {channel} 的其余 {n} 个位置, 快进",
    cue_fill="一次算出输出通道 {channels}",
    table_columns=_frozen(
        {
            "batch": "批量",
            "depth": "深度",
            "height": "高度",
            "width": "宽度",
            "length": "长度",
            "in_channel": "输入通道",
            "out_channel": "输出通道",
            "in_features": "输入特征",
            "out_features": "输出特征",
        }
    ),
    table_rows=_frozen({"Input": "输入", "Kernel": "卷积核", "Output": "输出"}),
    pool_kernel_row="池化窗口",
    params="参数量 {n}",
    macs="乘加次数 (MACs) {n}",
    flops="浮点运算 (FLOPs) {n}",
    legend="输出值",
    formula_phrases=(
        (r"output shape = input shape", "输出形状 = 输入形状"),
        (r"the shape is kept", "形状不变"),
        (r"channels reordered in (\d+) groups", r"通道分 \1 组重排"),
        (
            r"each channel scaled by its weight; hidden size (\d+)",
            r"每个通道乘以它的权重; 隐藏层大小 \1",
        ),
        (r"\(the last window would start in the padding\)", "(最后一个窗口会从填充区开始)"),
        (r"negative values become 0", "负值变为 0"),
        (r"each channel normalised, scaled and shifted", "每个通道归一化、缩放并平移"),
        (r"^features = ", "特征数 = "),
        (r"features=", "特征数="),
        (r"= (\d+) features$", r"= \1 个特征"),
    ),
    math_words=_frozen(
        {
            "window": "窗口",
            "kernel": "卷积核",
            "flip": "翻转",
            "rows": "行",
            "cols": "列",
            "squeeze": "挤压",
            "excite": "激励",
            "scale": "缩放",
            "input_cell": "输入单元 {index} 印上卷积核",
            "row": "行 {i}",
            "col": "列 {i}",
            "cropped": " ({which} 被裁掉)",
            "none": "无",
            "features": "特征数",
            "hidden": "隐藏层大小",
            "channel": "通道 {c}",
            "relu_count": "{total} 个值中有 {n} 个为负, 变为 0",
            "flatten_order": "展平 (按 {layout} 顺序)",
            "insert_zeros": "输入之间插入 {math} 个零:",
            "pad_border": "边缘填充 {math}",
            "output_padding": "下方和右侧再补 {math}",
            "shuffle_flatten": "展平: {math}",
            "dense_largest": "{n} 个输出中最大的是 {math}",
        }
    ),
    lod_tile="1 个方块 = {rows}×{cols}",
    lod_channels="省略通道 {first}–{last}",
    lod_depths="省略深度 {first}–{last}",
    lod_volumes="省略体块 {first}–{last}",
)

LANGUAGES: Mapping[str, Words] = MappingProxyType({"en": EN, "zh": ZH})
"""The languages of ``labels.language`` and their words."""


def words_for(language: str) -> Words:
    """The words of ``language`` (``"en"`` or ``"zh"``; anything else is a KeyError)."""
    return LANGUAGES[language]
