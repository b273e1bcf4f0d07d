"""Feeds docs/validation.md, "The same on a social network".

The Bass check on a social network, as `gtmsim check bass --network --n 20000 --seeds 4`
runs it (p = 0.03, q = 0.38, 20,000 prospects, 1,040 weeks, 4 runs of root 1969): the largest
lag of the mean curve behind the closed form and when, the shares at year 8, and the year each
curve first reaches 50%, 65%, 90%, 95% and 99% of the market.

    .venv/bin/python benchmarks/validation/bass_network.py        # about a minute on 2 cores
"""

from __future__ import annotations

import argparse

import numpy as np

from gtmsim.experiments.bass import run_bass_check
from gtmsim.model.parameters.base import WEEKS_PER_YEAR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    check = run_bass_check(prospects=20_000, seeds=4, mixing="network", workers=args.workers)
    years = check.weeks / WEEKS_PER_YEAR
    lag = check.closed_form - check.mean
    worst = int(np.argmax(lag))
    print(f"largest lag {100 * lag[worst]:.1f} pp at year {years[worst]:.1f}")
    year8 = int(np.flatnonzero(check.weeks == 8 * WEEKS_PER_YEAR)[0])
    print(
        f"year 8: network {100 * check.mean[year8]:.0f}%, closed form {100 * check.closed_form[year8]:.0f}%"
    )
    print(
        f"year 20: network {100 * check.mean[-1]:.2f}%, closed form {100 * check.closed_form[-1]:.2f}%"
    )
    for level in (0.5, 0.65, 0.9, 0.95, 0.99):
        network = years[int(np.argmax(check.mean >= level))]
        closed = years[int(np.argmax(check.closed_form >= level))]
        print(
            f"{100 * level:g}% adopted: network year {network:.1f}, closed form {closed:.1f} "
            f"({network - closed:.1f} years later)"
        )


if __name__ == "__main__":
    main()
