"""The teaching report: built from a saved results folder alone, self-contained, and its numbers
and claims agree with the results (the KPI table, the parameter diff, the mechanisms)."""

from __future__ import annotations

import base64
import html as html_lib
import re
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.comparison import COMPARED, comparison_table
from gtmsim.experiments.runner import run_batch
from gtmsim.model.kpis import KPIS
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import load_scenario
from gtmsim.outputs import report
from gtmsim.outputs.report import write_report
from gtmsim.outputs.results import read_results, write_results
from gtmsim.outputs.tables import format_diff, format_value

NAMES = ["separate", "integrated"]


def small(name: str) -> Scenario:
    data = load_scenario(name).model_dump()
    data["market"]["prospects"] = 2_000
    return Scenario.model_validate(data)


def build_folder(root: Path) -> Path:
    """A small results folder without figures (the report must draw them)."""
    batch = run_batch([small(n) for n in NAMES], seeds=[1, 2, 3], weeks=20)
    return write_results(root / "results", batch.timeseries(), batch.summary(), batch.manifest())


def section(markdown: str, heading: str) -> str:
    """The text of one '## ' section of the Markdown report."""
    return markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str) -> list[list[str]]:
    """Cells of the Markdown table rows in ``text`` (header and rule excluded)."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in line[2:-2].split(" | ")] for line in lines[2:]]


def flat(scenario: Scenario) -> dict[str, object]:
    out: dict[str, object] = {}

    def walk(value: object, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else k)
        else:
            out[key] = value

    walk(scenario.model_dump(mode="json"), "")
    return out


def test_report_of_a_saved_results_folder(tmp_path: Path) -> None:
    """One test, so that only one worker runs the model and draws the figures."""
    folder = build_folder(tmp_path)
    assert write_report(folder) == [folder / "report.md", folder / "report.html"]
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    html = (folder / "report.html").read_text(encoding="utf-8")
    check_run_facts(folder, markdown, html)
    check_self_contained(folder, markdown, html)
    check_kpi_table(folder, markdown, html)
    check_parameter_diff(markdown)
    check_paragraphs(markdown)
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert str(folder / "report.html") in result.output.splitlines()


def check_run_facts(folder: Path, markdown: str, html: str) -> None:
    meta, _, _ = read_results(folder)
    assert markdown.startswith("# gtmsim report: separate vs integrated\n")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for text in (markdown, html):
        assert f"gtmsim {meta['versions']['gtmsim']}" in text
        assert "3 seeds, 20 weeks per run" in text
        assert meta["created"][:10] in text
    assert not list(folder.glob(".*.tmp"))  # written atomically, nothing left behind


def check_self_contained(folder: Path, markdown: str, html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(|@import|<script|<link", html, re.I)
    pngs = sorted((folder / "figures").glob("*.png"))
    assert {p.stem for p in pngs} == set(report.FIGURES) - {"market"}  # drawn: they were missing
    assert html.count('src="data:image/png;base64,') == len(pngs)
    for png in pngs:
        assert base64.b64encode(png.read_bytes()).decode("ascii") in html
        assert f"](figures/{png.name})" in markdown


def check_kpi_table(folder: Path, markdown: str, html: str) -> None:
    summary = pd.read_csv(folder / "summary.csv")
    expected = []
    for _, rows in comparison_table(summary, NAMES).groupby("kpi", sort=False):
        cells = [f"{rows.iloc[0]['label']} ({rows.iloc[0]['unit']})"]
        for i, row in enumerate(rows.itertuples()):
            low, mid, high = (format_value(v, row.unit) for v in (row.low, row.median, row.high))
            cells.append(f"{mid} [{low}, {high}]")
            if i:
                cells.append(
                    format_diff(
                        row.diff_pct_median,
                        row.diff_pct_low,
                        row.diff_pct_high,
                        (row.diff_pct_ci_low, row.diff_pct_ci_high),
                        (row.better, row.paired),
                    )
                )
        expected.append(cells)
    assert table_rows(section(markdown, "Key results")) == expected
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    html_cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells]
    for row in expected:
        assert any(html_cells[i : i + len(row)] == row for i in range(len(html_cells))), row


def check_parameter_diff(markdown: str) -> None:
    a, b = flat(load_scenario("separate")), flat(load_scenario("integrated"))
    differ = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)} - {"name", "description"}
    assert differ and all(k.startswith("organisation.") for k in differ)
    rows = table_rows(section(markdown, "Scenarios compared"))
    assert {row[0].strip("`") for row in rows} == differ
    assert "market.prospects" not in section(markdown, "Scenarios compared")
    for row in rows:  # baseline value, other value, and what the parameter sets
        key = row[0].strip("`")
        assert row[1] == report.show(a[key]) and row[2] == report.show(b[key]) and row[3]


def check_paragraphs(markdown: str) -> None:
    blocks = section(markdown, "What drives each difference").split("\n### ")[1:]
    labels = [f"{label} ({unit})" for label, unit in COMPARED.values()]
    assert [b.split("\n", 1)[0] for b in blocks] == labels
    for kpi, block in zip(COMPARED, blocks, strict=True):
        assert KPIS[kpi].mechanism in block
        (item,) = [line for line in block.splitlines() if line.startswith("- ")]
        assert item.startswith("- *integrated vs separate*: median ")
        verdicts = ("**clearly higher**", "**clearly lower**", "**no clear difference**")
        assert sum(v in item for v in verdicts) + ("cannot be compared" in item) == 1, item


def fake_results(other: dict, mql_to_sql: list[float]) -> tuple[dict, pd.DataFrame]:
    """A manifest of separate and ``other`` and a summary with the given mql_to_sql values of
    ``other`` on three seeds (every other KPI equal): no model is run."""
    base = load_scenario("separate").model_dump(mode="json")
    meta = {
        "created": "2026-01-01T00:00:00+00:00",
        "versions": {"gtmsim": "test"},
        "weeks": 20,
        "seeds": [1, 2, 3],
        "scenarios": [
            {"name": "separate", "parameters": base},
            {"name": "other", "parameters": other},
        ],
    }
    rows = [
        {"scenario": n, "seed": s, **dict.fromkeys(COMPARED, 1.0)}
        for n in ("separate", "other")
        for s in (1, 2, 3)
    ]
    summary = pd.DataFrame(rows)
    summary.loc[summary["scenario"] == "other", "mql_to_sql"] = mql_to_sql
    return meta, summary


def mql_paragraph(meta: dict, summary: pd.DataFrame) -> str:
    markdown = report.to_markdown(report.build(meta, summary), {})
    return markdown.split("### MQL -> SQL (share)\n", 1)[1].split("\n### ", 1)[0]


def test_no_mechanism_is_claimed_when_none_of_its_parameters_differ() -> None:
    other = load_scenario("separate").model_dump(mode="json")
    other["market"]["word_of_mouth_rate"] = 0.5  # not a direct lever of MQL -> SQL
    text = mql_paragraph(*fake_results(other, [2.0, 2.1, 2.2]))
    assert "**clearly higher**" in text and "indirect effects" in text
    assert "`" not in text.split("paired difference", 1)[1]  # no parameter credited


def test_a_switched_off_parameter_is_not_credited() -> None:
    other = load_scenario("separate").model_dump(mode="json")
    other["marketing"]["mql_threshold"] = 0.45  # acts on MQL -> SQL ...
    other["organisation"]["agreed_lead_threshold"] = 0.6  # ... this one only if agreed
    other["market"]["word_of_mouth_rate"] = 0.5  # does not act on MQL -> SQL directly
    text = mql_paragraph(*fake_results(other, [0.9, 1.0, 1.1]))
    assert "**no clear difference**" in text and "`marketing.mql_threshold`" in text
    assert "word_of_mouth_rate" not in text
    assert "`organisation.agreed_lead_threshold` differs too, but has no effect" in text


def _rows(other: dict) -> tuple[pd.DataFrame, dict]:
    meta, summary = fake_results(other, [1.0, 1.0, 1.0])
    table = comparison_table(summary, ["separate", "other"])
    rows = table[table["kpi"] == "avg_deal_size"].set_index("scenario")
    return rows, {s["name"]: s["parameters"] for s in meta["scenarios"]}


def test_every_mechanism_names_real_parameters() -> None:
    keys = flat(Scenario())
    for kpi in COMPARED:
        assert KPIS[kpi].mechanism and KPIS[kpi].acted_on_by, kpi
        for prefix in KPIS[kpi].acted_on_by:
            assert any(k == prefix or k.startswith(prefix + ".") for k in keys), (kpi, prefix)
    rules = {key: report.inert_when(key) for key in keys}
    assert sum(map(bool, rules.values())) == 16  # the sixteen declared inert_when rules
    for key, rule in rules.items():
        assert all(switch in keys for switch in rule), key


def test_report_on_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a deliberate exit, not a crash
    assert "no such results folder" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "nowhere").exists()
