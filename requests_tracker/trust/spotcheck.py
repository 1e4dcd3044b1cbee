"""The weekly random draw (随机抽查), as a pure function so an auditor can repeat it.

Given the sorted ids of the week's eligible closures, the share and the minimum, the size is
``min(N, max(ceil(N × share ÷ 100), minimum))`` and the sample is
``random.Random(seed).sample(population, size)`` — Python's Mersenne Twister seeded with the
stored integer, so the same seed over the same ids draws the same requests, in the same order.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence


def sample_size(population: int, share: int, minimum: int) -> int:
    """How many of ``population`` closures to draw: the share rounded up, at least ``minimum``."""
    by_share = -(-population * share // 100)  # ceil without floats
    return min(population, max(by_share, minimum))


def draw(population: Sequence[int], share: int, minimum: int, seed: int) -> list[int]:
    ids = sorted(population)
    return random.Random(seed).sample(ids, sample_size(len(ids), share, minimum))


def new_seed() -> int:
    """A fresh 63-bit seed (fits a signed BIGINT on every database)."""
    return secrets.randbits(63)


def redraw(stored) -> list[int]:
    """The draw repeated from a stored ``SpotCheckDraw``: equal to ``stored.chosen`` unless tampered with."""
    return draw(stored.population, stored.share, stored.minimum, stored.seed)
