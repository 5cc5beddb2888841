"""Train an MLP and a small CNN on scikit-learn's 8x8 digits with numtorch (optional extra: examples).

    pip install -e '.[examples]'
    python examples/digits.py            # both models
    python examples/digits.py --model cnn --epochs 10

Written as ordinary PyTorch code: swap the first import for ``import torch`` and it runs on PyTorch.
"""

from __future__ import annotations

import argparse
import sys
import time

import numtorch as torch
import numtorch.nn as nn
import numtorch.nn.functional as F
from numtorch.utils.data import DataLoader, TensorDataset


def load_digits_split(seed: int = 0):
    """The digits images scaled to [0, 1], split 80/20 with a fixed permutation."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("This example needs scikit-learn: pip install 'numtorch[examples]'")
    data = load_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8)
    y = torch.tensor(data.target, dtype=torch.long)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(y), generator=g)
    cut = int(0.8 * len(y))
    return (x[perm[:cut]], y[perm[:cut]]), (x[perm[cut:]], y[perm[cut:]])


class MLP(nn.Module):
    """64 -> 128 -> 64 -> 10 with ReLU."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                 nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x)


class SmallCNN(nn.Module):
    """Two 3x3 convolutions, max pooling, and a linear classifier."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        )
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def _progress(iterable, total: int, desc: str):
    """tqdm when installed, otherwise the plain iterable (a summary line is printed per epoch)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False, ncols=80)


def accuracy(model: nn.Module, x, y) -> float:
    """Share of correctly classified examples."""
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(1)
    model.train()
    return (pred == y).float().mean().item()


def train(model: nn.Module, train_set, test_set, epochs: int, lr: float, seed: int = 0) -> float:
    """Train with SGD + momentum and cross entropy; returns the test accuracy."""
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(*train_set), batch_size=32, shuffle=True)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in _progress(loader, len(loader), f"epoch {epoch}/{epochs}"):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
        acc = accuracy(model, *test_set)
        print(f"  epoch {epoch:2d}/{epochs}  loss {total / count:.4f}  test accuracy {acc:.3f}")
    return accuracy(model, *test_set)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("mlp", "cnn", "both"), default="both")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    train_set, test_set = load_digits_split()
    results = {}
    for name in (("mlp", "cnn") if args.model == "both" else (args.model,)):
        torch.manual_seed(0)
        model = MLP() if name == "mlp" else SmallCNN()
        epochs = args.epochs or (15 if name == "mlp" else 12)
        print(f"{name.upper()}: {sum(p.numel() for p in model.parameters())} parameters")
        start = time.perf_counter()
        acc = train(model, train_set, test_set, epochs, lr=0.05 if name == "mlp" else 0.05)
        results[name] = acc
        print(f"{name.upper()}: test accuracy {acc:.3f} in {time.perf_counter() - start:.1f} s")
    return 0 if all(a >= 0.95 for a in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
