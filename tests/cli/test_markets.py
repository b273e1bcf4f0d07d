"""Markets through the commands: `gtmsim run` and `compare` of market files give per-firm results
named market:firm, compare pairs each firm with the same firm in the first market, and the
figures show market share over time."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.comparison import paired_baselines
from gtmsim.experiments.plan import plan_runs


def test_paired_baselines_pair_firms_by_name():
    names = ["duopoly:us", "duopoly:rival", "price-war:us", "price-war:rival", "separate"]
    assert paired_baselines(names) == {
        "duopoly:us": None,
        "duopoly:rival": None,
        "price-war:us": "duopoly:us",
        "price-war:rival": "duopoly:rival",
        "separate": "duopoly:us",
    }
    assert paired_baselines(["separate", "integrated"]) == {
        "separate": None,
        "integrated": "separate",
    }


def test_plan_names_each_firm_and_runs_a_one_firm_market_as_its_scenario(tmp_path):
    alone = tmp_path / "alone.toml"
    alone.write_text('[firms.integrated]\nextends = "integrated"\n')
    plan = plan_runs(["duopoly", alone], seeds=2, weeks=4)
    assert plan.names == ["duopoly:us", "duopoly:rival", "integrated"]
    assert plan.runs == 4


def test_compare_markets_prints_per_firm_shares_and_draws_the_market_figure(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            "duopoly",
            "rival-integrates",
            "--seeds",
            "3",
            "--weeks",
            "60",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rival-integrates:us vs duopoly:us" in result.output
    assert "rival-integrates:rival vs duopoly:rival" in result.output
    assert "Market share," in result.output and "Share of" in result.output
    summary = pd.read_csv(out / "summary.csv")
    assert list(pd.unique(summary["scenario"])) == [
        "duopoly:us",
        "duopoly:rival",
        "rival-integrates:us",
        "rival-integrates:rival",
    ]
    assert not summary.duplicated(["scenario", "seed"]).any()
    totals = summary.assign(market=summary["scenario"].str.split(":").str[0])
    sums = totals.groupby(["market", "seed"])["market_share_customers"].sum()
    assert sums.round(6).eq(100.0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    entries = {s["name"]: s["parameters"] for s in manifest["scenarios"]}
    assert entries["rival-integrates:rival"]["reorganise"]["week"] == 53
    assert entries["duopoly:rival"]["organisation"]["marketing_goal"] == "revenue"
    assert (out / "figures" / "market.png").is_file()
    report = (out / "report.md").read_text()
    assert "rival-integrates:us vs duopoly:us" in report and "figures/market.png" in report
