"""Comparison tables: printed numbers equal those recomputed from summary.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.comparison import COMPARED, comparison_table
from gtmsim.outputs.tables import format_value


def test_table_numbers_match_summary_csv(tmp_path, separate, integrated):
    files = []
    for scenario in (separate, integrated):
        path = tmp_path / f"{scenario.name}-small.toml"
        path.write_text(
            f'extends = "{scenario.name}.toml"\nname = "{scenario.name}"\n[market]\nprospects = 2000\n'
        )
        files.append(str(path))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["compare", *files, "--seeds", "4", "--weeks", "20", "--out", str(out), "--workers", "1"],
        terminal_width=250,
    )
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    table = comparison_table(summary, ["separate", "integrated"])
    for kpi in COMPARED:
        values = summary.loc[summary["scenario"] == "integrated", kpi].dropna()
        row = table[(table["kpi"] == kpi) & (table["scenario"] == "integrated")].iloc[0]
        expected = np.median(values) if len(values) else np.nan  # all-NaN KPI: reported as NaN
        assert np.isclose(row["median"], expected, equal_nan=True)
        base = summary[summary["scenario"] == "separate"].set_index("seed")[kpi]
        other = summary[summary["scenario"] == "integrated"].set_index("seed")[kpi]
        diffs = (100 * (other - base) / base.abs()).replace([np.inf, -np.inf], np.nan).dropna()
        if len(diffs):
            assert np.isclose(row["diff_pct_median"], np.median(diffs))
    # the printed table shows the same median CAC as recomputed from summary.csv
    cac = table[(table["kpi"] == "cac") & (table["scenario"] == "integrated")].iloc[0]["median"]
    assert format_value(cac, "currency/customer") in result.output
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures == ["differences", "funnel", "journey", "kpis", "spend"]


def test_plot_command_redraws_and_explains_a_missing_folder(tmp_path):
    missing = tmp_path / "no-such-results"
    result = CliRunner().invoke(main, ["plot", str(missing)])
    assert result.exit_code == 2
    assert "no such results folder" in result.output and "Traceback" not in result.output


def test_median_confidence_interval_from_order_statistics():
    """20 values: the 6th and 15th smallest cover the median with probability 95.9%; fewer than
    6 values cannot reach 95%."""
    from gtmsim.experiments.comparison import median_ci

    assert median_ci(np.arange(1, 21)) == (6.0, 15.0)
    assert median_ci(np.arange(1, 11)) == (2.0, 9.0)
    assert all(np.isnan(median_ci(np.arange(5))))
    # coverage on normal samples of 20, measured: close to the nominal 95.9%
    rng = np.random.default_rng(3)
    hits = [low <= 0 <= high for low, high in (median_ci(rng.normal(size=20)) for _ in range(4000))]
    # binomial sd of a 4,000-sample share near 0.959 is 0.0031: 4 sd is 0.0125
    assert abs(np.mean(hits) - 0.9586) < 0.0125


def test_better_counts_respect_the_direction_of_a_kpi():
    from gtmsim.experiments.comparison import better_count

    summary = pd.DataFrame(
        {
            "scenario": ["a"] * 3 + ["b"] * 3,
            "seed": [1, 2, 3] * 2,
            "cac": [10.0, 10.0, 10.0, 8.0, 12.0, np.nan],
            "arr": [5.0, 5.0, 5.0, 6.0, 6.0, 5.0],
        }
    )
    assert better_count(summary, "cac", "b", "a") == (1, 2)  # lower CAC is better; NaN skipped
    assert better_count(summary, "arr", "b", "a") == (2, 3)  # a tie is not better
    # a share of voice of 50% summed in another order differs in its last bits: still a tie
    summary["sov"] = [50.0] * 3 + [50.0 + 7e-15, 50.0 - 7e-15, 50.0]
    assert better_count(summary, "sov", "b", "a") == (0, 3)
