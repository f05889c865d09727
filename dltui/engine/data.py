"""Data shipped with dltui: the UCI handwritten digits (8×8, pixels 0–16), read from assets/.

Nothing is downloaded at run time. The split is fixed (a permutation with seed 0), so a test
image number means the same digit on every machine and in every lesson.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

TEST_SIZE = 360  # 20 % of the 1,797 images
LENET_SIZE = 32
UPSAMPLE = 3  # 8×8 → 24×24 by repeating each pixel 3×3 ...
MARGIN = (LENET_SIZE - 8 * UPSAMPLE) // 2  # ... then 4 zero rows/columns on each side → 32×32


def assets_dir() -> Path:
    """The bundled assets: package data in an installed wheel, the repo's assets/ otherwise."""
    shipped = Path(str(resources.files("dltui"))) / "_data" / "assets"
    return shipped if shipped.is_dir() else Path(__file__).resolve().parents[2] / "assets"


@dataclass(frozen=True)
class Digits:
    """Images (n, 8, 8) as float64 in 0–16 and labels (n,) as int64, split into train and test."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


@lru_cache(maxsize=1)
def load_digits() -> Digits:
    with gzip.open(assets_dir() / "digits.csv.gz", "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images, labels = table[:, :64].reshape(-1, 8, 8), table[:, 64].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    arrays = images[train], labels[train], images[test], labels[test]
    for a in arrays:
        a.flags.writeable = False  # shared by every lab through the cache
    return Digits(*arrays)


def to_lenet(images: np.ndarray) -> np.ndarray:
    """(n, 8, 8) counts 0–16 → (n, 1, 32, 32) in 0–1, the input size LeNet-5 was designed for.

    Each pixel is repeated 3×3 (nearest-neighbour upsampling, no invented detail) to 24×24, then
    zero-padded by 4 on every side, so the digit sits centred with a blank margin, as in LeNet's
    own 32×32 inputs (20×20 digits centred in a 32×32 field)."""
    images = np.asarray(images, dtype=np.float64) / 16.0
    big = images.repeat(UPSAMPLE, axis=-2).repeat(UPSAMPLE, axis=-1)
    pad = ((0, 0),) * (big.ndim - 2) + ((MARGIN, MARGIN), (MARGIN, MARGIN))
    return np.pad(big, pad)[:, None]
