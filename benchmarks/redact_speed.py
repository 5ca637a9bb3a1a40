"""How long :func:`pledge.policy_model.redact.redact` takes on large hostile strings.

Each shape is a string of ``--megabytes`` MB (default 10) built to stress one
part of the masking pass: plain letters and random text (the anchor searches),
digit runs and digit groups (the card windows), cards one per line (a mask per
25 characters), keywords with and without separators, URLs, backslash-escaped
quotes, ``@`` signs, hex digests, non-ASCII text. The table shows wall and CPU
time (CPU is what to compare on a shared machine) and MB/s; a final column
checks that the time grows linearly: the same shape at a tenth of the size,
scaled up, against the full size (a ratio near 1 is linear; a quadratic pass
would show about 10). This is a measurement, not a test: it asserts nothing.

Usage::

    .venv/bin/python benchmarks/redact_speed.py
    .venv/bin/python benchmarks/redact_speed.py --megabytes 1 --only cards
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from pledge.policy_model.redact import redact

SHAPES: dict[str, Callable[[int], str]] = {
    "letters": lambda n: "a" * n,
    "random text": lambda n: "".join(random.Random(1).choices(
        "abcdefghijklmnop0123456789 :/@=-._\"'", k=n)),
    "one digit run": lambda n: "7" * n,
    "1-digit groups": lambda n: "1 " * (n // 2),
    "4-digit groups": lambda n: "1234 " * (n // 5),
    "cards in a row": lambda n: "4111 1111 1111 1111 " * (n // 20),
    "cards, one a line": lambda n: "name 4111 1111 1111 1111\n" * (n // 25),
    "password= repeated": lambda n: "password=" * (n // 9),
    "token, no separator": lambda n: "token" * (n // 5),
    "JSON passwords": lambda n: '{"password": "x"}, ' * (n // 19),
    "escaped quotes": lambda n: '"password": "' + '\\"' * (n // 2),
    "scheme:// repeated": lambda n: "a://" * (n // 4),
    "@ signs after a URL": lambda n: "postgres://u:" + "@" * n,
    "hex digests": lambda n: ("0123456789abcdef" * 4 + " ") * (n // 65),
    "non-ASCII text": lambda n: "é4 ü" * (n // 4),
    "DSNs, one a line": lambda n: "postgres://app:p@ss/w@db.internal/app\n" * (n // 38),
}


def measure(text: str) -> tuple[float, float]:
    """Wall and CPU seconds of one :func:`redact` call."""
    wall, cpu = time.perf_counter(), time.process_time()
    redact(text)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--only", default=None, help="run the shapes whose name holds this")
    args = parser.parse_args()
    size = int(args.megabytes * 1_000_000)
    print(f"{'shape':22} {'MB':>5} {'wall s':>7} {'cpu s':>7} {'MB/s':>7} {'x10 ratio':>9}")
    for name, make in SHAPES.items():
        if args.only and args.only not in name:
            continue
        small, large = make(size // 10), make(size)
        small_cpu = measure(small)[1]
        wall, cpu = measure(large)
        ratio = cpu / (small_cpu * len(large) / max(len(small), 1)) if small_cpu else 0.0
        print(f"{name:22} {len(large) / 1e6:5.1f} {wall:7.2f} {cpu:7.2f} "
              f"{len(large) / 1e6 / max(cpu, 1e-9):7.1f} {ratio:9.2f}", flush=True)


if __name__ == "__main__":
    main()
