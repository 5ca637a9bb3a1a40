"""What this machine charges for memory: a page first touched, and a page copied after a fork.

pledge's large runs are bound by memory traffic as much as by Python: at 100,000
systems a load touches about 1.2 GB, and every child forked for the second core
copies the pages it reads (each read is a write to a reference count). On a
virtual machine whose host backs guest memory lazily, and takes back pages the
guest frees, a page touched for the first time, or copied, can cost several
times what it costs on bare metal. This script measures both, with 4 KB pages
and with transparent huge pages asked for (``MADV_HUGEPAGE``), each twice in a
row: the first pass meets memory the host may have taken back ("cold"), the
second reuses what the first freed a moment before ("warm").

Usage::

    python benchmarks/page_costs.py [--mb 1400]

Prints one line per pass: seconds to touch every page of the mapping once, then
seconds for this process to write every page again while a forked child still
shares them (each write copies a page), and the cost per 4 KB page.
"""

from __future__ import annotations

import argparse
import mmap
import os
import signal
import time

PAGE = 4096


def _touch(area: mmap.mmap, size: int, value: int) -> float:
    started = time.perf_counter()
    for offset in range(0, size, PAGE):
        area[offset] = value
    return time.perf_counter() - started


def measure(size: int, huge: bool) -> tuple[float, float]:
    """Seconds to touch ``size`` bytes of fresh private memory, then to write them again
    while a forked child shares them."""
    area = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        if huge and hasattr(mmap, "MADV_HUGEPAGE"):
            area.madvise(mmap.MADV_HUGEPAGE)
        first = _touch(area, size, 1)
        child = os.fork()
        if child == 0:  # keeps the pages shared until killed
            time.sleep(3600)
            os._exit(0)
        try:
            copied = _touch(area, size, 2)
        finally:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        return first, copied
    finally:
        area.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1400, help="memory per pass (default 1400)")
    args = parser.parse_args()
    size = args.mb << 20
    pages = size // PAGE
    for label, huge in (("4 KB pages", False), ("4 KB pages", False),
                        ("huge pages asked", True), ("huge pages asked", True)):
        first, copied = measure(size, huge)
        print(f"{label:<17} first touch {first:6.2f} s ({first / pages * 1e6:5.2f} us/page)  "
              f"copied after fork {copied:6.2f} s ({copied / pages * 1e6:5.2f} us/page)",
              flush=True)


if __name__ == "__main__":
    main()
