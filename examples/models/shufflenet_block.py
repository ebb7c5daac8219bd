"""A ShuffleNet unit (Zhang et al., 2018, stride 1): the example of a block with a residual add.

1x1 group conv -> BN -> ReLU -> channel shuffle -> 3x3 depthwise conv -> BN -> 1x1 group conv
-> BN, then the input is added back and a ReLU follows. convanim draws a chain, so the add stops
the export; everything before it exports with ``--until`` (the last BN)::

    convanim from-torch examples/models/shufflenet_block.py:ShuffleUnit \\
        --input-shape 1,12,8,8 --until expand_bn -o shuffle_unit.yaml

``ShuffleChain`` is the same unit without the residual add, which exports whole.
"""

import torch
from torch import nn


def _init(module: nn.Module) -> nn.Module:
    """Give batch-norm layers running statistics that are not the defaults (as after training)."""
    generator = torch.Generator().manual_seed(0)
    for layer in module.modules():
        if isinstance(layer, nn.BatchNorm2d):
            n = layer.num_features
            with torch.no_grad():
                layer.weight.copy_(1 + 0.2 * torch.randn(n, generator=generator))
                layer.bias.copy_(0.1 * torch.randn(n, generator=generator))
                layer.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
                layer.running_var.copy_(1 + 0.3 * torch.rand(n, generator=generator))
    return module


class ShuffleChain(nn.Module):
    """The unit's main path: group conv, shuffle, depthwise conv, group conv (no residual)."""

    def __init__(self, channels: int = 12, groups: int = 3) -> None:
        super().__init__()
        torch.manual_seed(0)
        mid = channels // 2
        self.reduce = nn.Conv2d(channels, mid, 1, groups=groups, bias=False)
        self.reduce_bn = nn.BatchNorm2d(mid)
        self.relu = nn.ReLU(inplace=True)
        self.shuffle = nn.ChannelShuffle(groups)
        self.depthwise = nn.Conv2d(mid, mid, 3, padding=1, groups=mid, bias=False)
        self.depthwise_bn = nn.BatchNorm2d(mid)
        self.expand = nn.Conv2d(mid, channels, 1, groups=groups, bias=False)
        self.expand_bn = nn.BatchNorm2d(channels)
        _init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.reduce_bn(self.reduce(x)))
        out = self.shuffle(out)
        out = self.depthwise_bn(self.depthwise(out))
        return self.expand_bn(self.expand(out))


class ShuffleUnit(ShuffleChain):
    """The full unit: the main path, plus the input, then ReLU."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(super().forward(x) + x)


class GroupShuffleConv(nn.Module):
    """Only convolutions and the shuffle (biases instead of batch norm)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.reduce = nn.Conv2d(12, 6, 1, groups=3)
        self.shuffle = nn.ChannelShuffle(3)
        self.depthwise = nn.Conv2d(6, 6, 3, padding=1, groups=6)
        self.expand = nn.Conv2d(6, 12, 1, groups=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand(self.depthwise(self.shuffle(self.reduce(x))))
