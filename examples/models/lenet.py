"""LeNet-5 (LeCun et al., 1998) with batch normalisation after each convolution.

On a 32x32 grayscale digit: conv 5x5 (6) -> BN -> ReLU -> max pool 2 -> conv 5x5 (16) -> BN ->
ReLU -> max pool 2 -> flatten (400) -> linear 120 -> ReLU -> linear 84 -> ReLU -> linear 10::

    convanim from-torch examples/models/lenet.py:LeNet5 --input-shape 1,1,32,32 -o lenet.yaml

The weights are seeded, not trained; the batch-norm statistics are set to values other than the
defaults so that the export has to carry them.
"""

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 with batch norm; the classifier uses functional ReLU and torch.flatten."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(5)
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.BatchNorm2d(6),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        generator = torch.Generator().manual_seed(6)
        for layer in self.modules():
            if isinstance(layer, nn.BatchNorm2d):
                n = layer.num_features
                with torch.no_grad():
                    layer.weight.copy_(1 + 0.2 * torch.randn(n, generator=generator))
                    layer.bias.copy_(0.1 * torch.randn(n, generator=generator))
                    layer.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
                    layer.running_var.copy_(1 + 0.5 * torch.rand(n, generator=generator))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet5() -> nn.Module:
    """A function returning the module (``from-torch`` accepts either)."""
    return LeNet5()
