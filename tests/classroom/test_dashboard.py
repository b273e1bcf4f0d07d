"""The dashboard without a browser: its settings, charts and KPI table, how it is served.

The end-to-end test in a real browser is tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gtmsim.classroom import charts as dashboard_charts
from gtmsim.classroom import page as dashboard
from gtmsim.classroom import server as dashboard_server
from gtmsim.classroom.model import DEFAULT_SEED, ClassroomModel
from gtmsim.cli import main
from gtmsim.model.scenario_files import shipped_scenarios


def test_initial_settings_build_the_default_model():
    settings = dashboard.initial_settings("separate", compare="integrated")
    assert (
        settings["budget_k"] == 100 and settings["reps"] == 3 and settings["seed"] == DEFAULT_SEED
    )
    model = ClassroomModel(**settings)
    assert list(model.runs) == ["Your settings", "Integrated org"]
    assert model.base.market.prospects == 2_000


@pytest.mark.parametrize(
    ("value", "ceiling"), [(1.0, 1.0), (1_050, 1_500), (4_100, 5_000), (0.7, 0.8), (9_999, 10_000)]
)
def test_nice_ceiling(value, ceiling):
    assert dashboard_charts.nice_ceiling(value) == pytest.approx(ceiling)


def test_charts_and_kpis_change_with_each_week():
    model = ClassroomModel("separate", compare="integrated")
    charts = dashboard_charts.Charts(model)
    before = {name: getattr(charts, name).png() for name in ("journey", "growth", "network")}
    table = dashboard_charts.kpi_table(model)
    assert table[0] == ["Week 0", "Your settings", "Integrated org"]
    assert all(cell == "-" for row in table[1:] for cell in row[1:])
    for _ in range(20):
        model.step()
    after = {name: getattr(charts, name).png() for name in ("journey", "growth", "network")}
    for name, png in after.items():
        assert png.startswith(b"\x89PNG") and png != before[name], name
    rows = dict((row[0], row[1:]) for row in dashboard_charts.kpi_table(model)[1:])
    assert int(rows["MQLs"][0]) > 0 and rows["Time to first call"][0].endswith(" h")
    assert "Week 20" in dashboard_charts.kpi_html(model)


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_runs_in_the_dashboard(name):
    model = ClassroomModel(**dashboard.initial_settings(name, prospects=500))
    charts = dashboard_charts.Charts(model)
    for _ in range(3):
        model.step()
        for chart in ("journey", "growth", "network"):
            assert getattr(charts, chart).png().startswith(b"\x89PNG")
    assert "Week 3" in dashboard_charts.kpi_html(model)


def test_kpi_html_escapes_names(tmp_path):
    path = tmp_path / "a<b>.toml"
    path.write_text('extends = "separate.toml"\n')
    model = ClassroomModel(str(path), prospects=300)
    model.runs = {"<script>": next(iter(model.runs.values()))}
    html = dashboard_charts.kpi_html(model)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_steps_redraw_every_view():
    """Each step redraws every chart and the KPI table (speed: benchmarks/bench_dashboard.py)."""
    model = ClassroomModel("separate", compare="integrated")
    charts = dashboard_charts.Charts(model)
    before = {name: getattr(charts, name).png() for name in ("journey", "growth", "network")}
    table_before = dashboard_charts.kpi_html(model)
    for _ in range(20):
        model.step()
    after = {name: getattr(charts, name).png() for name in ("journey", "growth", "network")}
    assert all(before[name] != after[name] for name in before)
    assert dashboard_charts.kpi_html(model) != table_before


def test_server_command_is_offline_and_local_by_default():
    command = dashboard_server.server_command()
    assert command[1:5] == ["-m", "solara", "run", "gtmsim.classroom.app"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
    for flag in ("--production", "--no-open", "--no-check-version"):
        assert flag in command
    env = dashboard_server.server_env("/x/separate.toml", 2_000, "integrated", base={"A": "1"})
    assert env == {
        "A": "1",
        "GTMSIM_DASHBOARD_SCENARIO": "/x/separate.toml",
        "GTMSIM_DASHBOARD_PROSPECTS": "2000",
        "GTMSIM_DASHBOARD_COMPARE": "integrated",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_THEME_SHOW_BANNER": "false",
    }
    assert dashboard_server.url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"


def test_cli_dashboard_serves_the_resolved_scenario(monkeypatch):
    calls = []
    monkeypatch.setattr(dashboard_server, "serve", lambda *args: calls.append(args) or 0)
    result = CliRunner().invoke(main, ["dashboard", "integrated", "--port", "9001"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:9001/" in result.output
    (path, prospects, compare, host, port), *_ = calls
    assert path.name == "integrated.toml" and path.is_absolute()
    assert (prospects, compare, host, port) == (2_000, "off", "127.0.0.1", 9001)


def test_cli_dashboard_explains_a_missing_scenario():
    result = CliRunner().invoke(main, ["dashboard", "no-such-plan"])
    assert result.exit_code == 2
    assert "no-such-plan: no such scenario file" in result.output


def test_cli_dashboard_explains_missing_packages(monkeypatch):
    monkeypatch.setattr(dashboard_server, "_find", lambda name: None)
    result = CliRunner().invoke(main, ["dashboard"])
    assert result.exit_code == 1
    assert "the dashboard needs solara" in result.output
    assert 'pip install -e ".[dashboard]"' in result.output


def test_several_seeds_run_in_lockstep_and_the_table_shows_their_median():
    """Five seeds per side: the first is the one-seed run itself (the same weeks to the last
    digit), the others are the next seeds, and the table reads their median."""
    one = ClassroomModel("separate", compare="integrated")
    five = ClassroomModel("separate", compare="integrated", seeds=5)
    for _ in range(6):
        one.step()
        five.step()
    assert five.seeds == [DEFAULT_SEED + k for k in range(5)]
    assert {label: len(runs) for label, runs in five.replicates.items()} == {
        "Your settings": 5,
        "Integrated org": 5,
    }
    np.testing.assert_equal(  # nan equals nan here
        five.runs["Your settings"].datacollector.model_vars,
        one.runs["Your settings"].datacollector.model_vars,
    )
    table = dashboard_charts.kpi_table(five)
    assert table[0][0] == "Week 6 (median of 5 seeds)"
    customers = sorted(r.kpi_row["customers"] for r in five.replicates["Your settings"])
    assert table[1][1] == f"{customers[2]:,.0f}"
    middle, low, high = dashboard_charts.spread(
        [dashboard_charts.series(r, "arr") for r in five.replicates["Your settings"]]
    )
    assert (low <= middle).all() and (middle <= high).all() and (low < high).any()


def test_the_run_before_a_lever_change_is_drawn_faintly():
    before = ClassroomModel("separate")
    assert dashboard_charts.history(before) is None  # nothing ran: nothing to keep
    for _ in range(4):
        before.step()
    kept = dashboard_charts.history(before)
    assert list(kept["week"]) == [1, 2, 3, 4]
    after = ClassroomModel("separate", reps=6)
    growth = dashboard_charts.Charts(after, kept).growth
    faint = [line for line in growth.ax_revenue.lines if line.get_label() == "before your change"]
    assert len(faint) == 1 and list(faint[0].get_ydata()) == list(kept["arr"])
    assert dashboard_charts.Charts(after).growth.ax_revenue.lines[0].get_label() != (
        "before your change"
    )


def test_every_kpi_in_the_table_explains_itself():
    from gtmsim.model.kpis import KPIS

    html = dashboard_charts.kpi_html(ClassroomModel("separate"))
    for name in dashboard_charts.KPI_TABLE:
        assert f'title="{KPIS[name].description}' in html.replace("&#x27;", "'")


def test_a_finished_run_says_so():
    model = ClassroomModel("separate")
    weeks = model.base.simulation.weeks
    for _ in range(weeks):
        model.step()
    assert not model.running and model.week == weeks  # the page shows its end-of-run notice
