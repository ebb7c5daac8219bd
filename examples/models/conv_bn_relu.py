"""A conv-bn-relu block, the building brick of most CNNs; scenes/conv_bn_relu.yaml is exported
from it (``make scenes/conv_bn_relu.yaml`` or ``python tools/export_scenes.py``)::

    convanim from-torch examples/models/conv_bn_relu.py:ConvBnRelu --input-shape 1,3,6,6

The convolution has no bias (batch norm's shift replaces it); the batch-norm statistics are set
to values such as training would leave, so that the normalisation visibly changes the numbers and
some outputs go negative before the ReLU.
"""

import torch
from torch import nn


class ConvBnRelu(nn.Module):
    """Conv2d(3 -> 4, 3x3, padding 1, no bias) -> BatchNorm2d(4) -> ReLU."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.conv = nn.Conv2d(3, 4, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        with torch.no_grad():
            self.bn.weight.copy_(torch.tensor([1.2, 0.8, 1.0, 1.5]))
            self.bn.bias.copy_(torch.tensor([0.1, -0.2, 0.0, 0.3]))
            self.bn.running_mean.copy_(torch.tensor([0.05, -0.1, 0.2, 0.0]))
            self.bn.running_var.copy_(torch.tensor([0.5, 0.8, 1.2, 0.6]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))
