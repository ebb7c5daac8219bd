"""A small LeNet-5-style digit classifier, trained; scenes/lenet_digit.yaml is exported from it.

On a 28x28 grayscale digit (white on black, values in [0, 1], like MNIST): conv 5x5 (6,
padding 2) -> ReLU -> max pool 2 -> conv 5x5 (16) -> ReLU -> max pool 2 -> flatten (400) ->
linear 10, the ten class scores (logits) of the digits 0-9: 6,582 parameters.

``tools/train_lenet.py`` trains it on synthetic digits (font glyphs and pen strokes, randomly
transformed; see tools/synthetic_digits.py) and writes the trained state to ``digit_lenet.npz``
beside this file; :func:`trained_digit_lenet` loads it. The scene is then exported with::

    convanim from-torch examples/models/digit_lenet.py:trained_digit_lenet \\
        --input-shape 1,1,28,28 --input-image scenes/digit.png -o scenes/lenet_digit.yaml

(``python tools/export_scenes.py`` does this and dresses the scene).
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

STATE = Path(__file__).with_name("digit_lenet.npz")
"""The trained weights: one float32 array per entry of the module's state dict."""


class DigitLeNet(nn.Module):
    """conv(1->6, 5, pad 2), ReLU, pool, conv(6->16, 5), ReLU, pool, flatten, linear(400->10).

    Built with seeded initial weights (untrained); :func:`trained_digit_lenet` gives the trained
    network.
    """

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def trained_digit_lenet() -> DigitLeNet:
    """The network with the weights ``tools/train_lenet.py`` learned (``digit_lenet.npz``)."""
    model = DigitLeNet()
    with np.load(STATE) as state:
        model.load_state_dict({k: torch.from_numpy(state[k]) for k in state.files})
    return model.eval()
