"""A conv-bn-relu block, the building brick of most CNNs; scenes/conv_bn_relu.yaml is exported
from it (``make scenes/conv_bn_relu.yaml`` or ``python tools/export_scenes.py``)::

    convanim from-torch examples/models/conv_bn_relu.py:ConvBnRelu --input-shape 1,3,16,16 \\
        --input-image scenes/balloon.png -o scenes/conv_bn_relu.yaml

The convolution has no bias (batch norm's shift replaces it). Its four kernels are made by hand
(a red detector, vertical and horizontal edges, a blue detector), and the batch-norm statistics
are close to the conv outputs' own on a picture, as training would leave them: batch norm brings
each channel to about zero mean and unit variance, and the ReLU keeps the above-average responses.
"""

import torch
from torch import nn


def _kernels() -> torch.Tensor:
    """Four hand-made 3x3 filters over (R, G, B), shape (4, 3, 3, 3): what a trained first layer
    often looks like. 0: red minus the rest; 1: vertical edges (Sobel x); 2: horizontal edges
    (Sobel y); 3: blue minus the rest."""
    mean = torch.full((3, 3), 1 / 9)
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 12
    weight = torch.zeros(4, 3, 3, 3)
    weight[0] = torch.stack([mean, -0.5 * mean, -0.5 * mean])
    weight[1] = sobel_x
    weight[2] = sobel_x.T
    weight[3] = torch.stack([-0.5 * mean, -0.5 * mean, mean])
    return weight


class ConvBnRelu(nn.Module):
    """Conv2d(3 -> 4, 3x3, padding 1, no bias) -> BatchNorm2d(4) -> ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        with torch.no_grad():
            self.conv.weight.copy_(_kernels())
            # running statistics close to the conv outputs' own on a picture, as training leaves
            # them; gamma and beta rescale and shift the normalised channels
            self.bn.weight.copy_(torch.tensor([1.2, 0.8, 0.8, 1.0]))
            self.bn.bias.copy_(torch.tensor([0.1, 0.0, 0.0, -0.1]))
            self.bn.running_mean.copy_(torch.tensor([-0.06, 0.0, -0.01, 0.05]))
            self.bn.running_var.copy_(torch.tensor([0.1, 0.04, 0.04, 0.06]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))
