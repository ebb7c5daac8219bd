"""Train the digit LeNet of scenes/lenet_digit.yaml on synthetic digits, then export the scene.

Usage: python tools/train_lenet.py [--no-export]      (needs torch; CPU, about half a minute)

1. Draws 30,000 training digits (tools/synthetic_digits.py: the machine's fonts and pen strokes,
   randomly transformed, 28x28 white on black like MNIST); one font in six is kept out of
   training.
2. Trains examples/models/digit_lenet.py:DigitLeNet (6,582 parameters) with Adam for 4 epochs,
   on one CPU thread (``torch.set_num_threads(1)``) with fixed seeds: the same fonts and the same
   torch build give the same weights.
3. Prints the accuracy on fresh digits drawn with another seed (new pen drawings, the training
   fonts under new transforms) and on digits in the fonts kept out, and the ten class scores
   of scenes/digit.png.
4. Writes the trained state to examples/models/digit_lenet.npz (float32) and, unless
   ``--no-export``, re-exports scenes/lenet_digit.yaml and its weights with ``convanim
   from-torch`` (tools/export_scenes.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "examples" / "models")]

import export_scenes  # noqa: E402
import synthetic_digits  # noqa: E402
from digit_lenet import STATE, DigitLeNet  # noqa: E402

SEED = 0
TRAIN = 30_000
HELD_OUT = 5_000
EPOCHS = 4
BATCH = 128
LEARNING_RATE = 4e-3
"""Peak of the one-cycle schedule."""
HELD_OUT_FONTS = 6
"""One font file in this many (in sorted order) is kept out of training."""


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images`` whose highest score is their label."""
    with torch.no_grad():
        scores = torch.cat([model(images[i : i + 1000]) for i in range(0, len(images), 1000)])
    return float((scores.argmax(1) == labels).float().mean())


def wake(model: DigitLeNet, images: torch.Tensor) -> int:
    """Flip the sign of every random initial kernel whose responses on ``images`` are negative
    on average, so that every map starts on the active side of its ReLU (a map that is 0
    everywhere gets no gradient and never learns); returns how many were flipped."""
    flipped = 0
    with torch.no_grad():
        for conv in (model.conv1, model.conv2):
            x = images if conv is model.conv1 else F.max_pool2d(F.relu(model.conv1(images)), 2)
            asleep = conv(x).mean((0, 2, 3)) < 0
            conv.weight[asleep] *= -1
            conv.bias[asleep] *= -1
            flipped += int(asleep.sum())
    return flipped


def train(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Adam, cross-entropy, :data:`EPOCHS` epochs of shuffled mini-batches, cosine learning rate."""
    gen = torch.Generator().manual_seed(SEED)
    steps = EPOCHS * (len(images) // BATCH)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=LEARNING_RATE, total_steps=steps
    )
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(images), generator=gen)
        total = 0.0
        for step in range(len(images) // BATCH):
            batch = order[step * BATCH : (step + 1) * BATCH]
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach())
        print(f"epoch {epoch + 1}: mean loss {total / (len(images) // BATCH):.4f}")
    model.eval()


def sort_channels(model: DigitLeNet, images: torch.Tensor) -> torch.Tensor:
    """Reorder the feature maps of both convolutions, busiest first (by mean activation after
    ReLU on ``images``), and return those means in the new order.

    The network computes the same scores: conv1's kernels and biases move with its maps, and
    so do conv2's input channels; conv2's output channels take their columns of the linear
    layer's weight with them. The scene draws channel 0 in front: a busy map, not a dead one.
    """
    with torch.no_grad():
        first = F.relu(model.conv1(images))
        order1 = torch.argsort(first.mean((0, 2, 3)), descending=True, stable=True)
        model.conv1.weight.copy_(model.conv1.weight[order1])
        model.conv1.bias.copy_(model.conv1.bias[order1])
        model.conv2.weight.copy_(model.conv2.weight[:, order1])
        second = F.relu(model.conv2(F.max_pool2d(F.relu(model.conv1(images)), 2)))
        means = second.mean((0, 2, 3))
        order2 = torch.argsort(means, descending=True, stable=True)
        model.conv2.weight.copy_(model.conv2.weight[order2])
        model.conv2.bias.copy_(model.conv2.bias[order2])
        fc = model.fc.weight.reshape(10, 16, 25)
        model.fc.weight.copy_(fc[:, order2].reshape(10, 400))
    return means[order2]


def picture_scores(model: torch.nn.Module) -> np.ndarray:
    """The ten class scores of scenes/digit.png, read as convanim reads it (gray / 255)."""
    with Image.open(ROOT / "scenes" / "digit.png") as image:
        x = np.asarray(image.convert("L"), np.float32) / 255.0
    with torch.no_grad():
        return model(torch.from_numpy(x)[None, None]).numpy()[0]


def main(argv: list[str]) -> int:
    """Draw the digits, train, evaluate, save the state, export the scene."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.process_time()
    fonts = synthetic_digits.font_files()
    kept_out = fonts[HELD_OUT_FONTS - 1 :: HELD_OUT_FONTS]
    seen = [f for f in fonts if f not in kept_out]
    bank = synthetic_digits.font_bank(seen)
    print(f"{len(fonts)} font files, {len(kept_out)} kept out; {len(bank[0])} font glyphs")
    data = synthetic_digits.make_digits(TRAIN, SEED + 1, bank)
    fresh = synthetic_digits.make_digits(HELD_OUT, SEED + 2, bank)
    unseen = synthetic_digits.make_digits(
        HELD_OUT, SEED + 3, synthetic_digits.font_bank(kept_out), pen_share=0.0
    )
    drawn = time.process_time()
    print(f"drew {TRAIN + 2 * HELD_OUT} digits in {drawn - start:.1f} s CPU")

    model = DigitLeNet()
    print(f"{wake(model, data.images[:2000])} initial kernels flipped to start active")
    train(model, data.images, data.labels)
    trained = time.process_time()
    print(f"trained in {trained - drawn:.1f} s CPU ({trained - start:.1f} s with the digits)")
    print(f"accuracy on {TRAIN} training digits: {accuracy(model, data.images, data.labels):.4f}")
    pens = fresh.source == 1
    print(
        f"held-out accuracy on {HELD_OUT} fresh digits: "
        f"{accuracy(model, fresh.images, fresh.labels):.4f} (pen drawings "
        f"{accuracy(model, fresh.images[pens], fresh.labels[pens]):.4f}, fonts "
        f"{accuracy(model, fresh.images[~pens], fresh.labels[~pens]):.4f})"
    )
    print(
        f"held-out accuracy on {HELD_OUT} digits in the {len(kept_out)} fonts kept out: "
        f"{accuracy(model, unseen.images, unseen.labels):.4f}"
    )
    before = model(fresh.images[:1000]).detach()
    means = sort_channels(model, fresh.images)
    moved = float((model(fresh.images[:1000]).detach() - before).abs().max())
    dead = int((means == 0).sum())
    print(f"conv2 maps sorted by mean activation (scores moved by {moved:.1e}); {dead} dead")
    scores = picture_scores(model)
    print("scenes/digit.png scores:", " ".join(f"{k}:{v:.2f}" for k, v in enumerate(scores)))
    print(f"scenes/digit.png is classified as {int(scores.argmax())}")

    state = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez(STATE, **state)  # type: ignore[arg-type]
    print(f"wrote {STATE.relative_to(ROOT)}")
    if "--no-export" not in argv:
        print(f"wrote {export_scenes.export('lenet_digit').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
