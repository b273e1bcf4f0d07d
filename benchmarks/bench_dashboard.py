"""How long one classroom step and its redraw take (the dashboard must feel live).

Target: well under a second for the classroom default (2,000 prospects), alone and side by
side. Run: .venv/bin/python benchmarks/bench_dashboard.py [--weeks 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

from gtmsim.classroom import charts as dashboard_charts
from gtmsim.classroom.model import ClassroomModel

VIEWS = ("journey", "growth", "network")


def time_steps(compare: str, weeks: int, seeds: int = 1) -> list[float]:
    """Seconds for each of ``weeks`` steps plus the redraw of every chart and the KPI table."""
    model = ClassroomModel("separate", compare=compare, seeds=seeds)
    charts = dashboard_charts.Charts(model)
    for name in VIEWS:
        getattr(charts, name).png()  # the first drawing builds the cached backgrounds
    seconds = []
    for _ in range(weeks):
        start = time.perf_counter()
        model.step()
        for name in VIEWS:
            getattr(charts, name).png()
        dashboard_charts.kpi_html(model)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=10)
    args = parser.parse_args()
    print("| side by side | seeds | median s | max s |")
    print("|---|---|---|---|")
    for compare, seeds in (("off", 1), ("integrated", 1), ("integrated", 5)):
        seconds = time_steps(compare, args.weeks, seeds)
        median, worst = statistics.median(seconds), max(seconds)
        print(f"| {compare} | {seeds} | {median:.3f} | {worst:.3f} |")


if __name__ == "__main__":
    main()
