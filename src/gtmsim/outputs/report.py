"""Teaching reports: ``report.md`` and a self-contained ``report.html`` in a results folder.

Built from the saved results alone (the model is never run). The KPI table holds exactly the
numbers of :func:`gtmsim.experiments.comparison.comparison_table`, formatted as in the
terminal. Each headline KPI gets its mechanism and, per scenario, the parameters acting on it
that differ from the baseline (both declared in the KPI registry, :data:`gtmsim.model.kpis.KPIS`):
no mechanism is credited whose parameters are equal, nor a parameter whose own declaration says
it has no effect under settings both scenarios share (``inert_when``).
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from gtmsim.experiments.comparison import (
    COMPARED,
    INTERVAL,
    comparison_table,
    firm_of,
    paired_baselines,
)
from gtmsim.model.kpis import KPIS, acts_on
from gtmsim.model.scenario_files import field_info, inert_when
from gtmsim.outputs.figures import draw_all
from gtmsim.outputs.plots.market import markets_in
from gtmsim.outputs.results import read_results, remove_stale_temporaries, write_atomic
from gtmsim.outputs.tables import format_diff, format_value, kpi_rows

#: Figures of a results folder, in report order, with what to look at in each.
FIGURES = {
    "journey": "Buyer journey: the share of the market unaware, aware, trusting and customer each "
    "week (median over seeds), one panel per scenario.",
    "kpis": "Headline KPIs week by week: lines are medians over seeds, shaded bands the 90% "
    "interval. Where bands overlap little, the scenarios really differ.",
    "funnel": "Lead funnel over the whole run: leads reaching each stage, conversion from stage "
    "to stage, and what became of the MQLs (qualified, leaked in the handoff, rejected or "
    "ignored by sales).",
    "spend": "Where the money goes: weekly marketing spend by channel and sales cost, and CAC "
    "split into its marketing and sales shares.",
    "differences": "Paired differences from the baseline on the same seeds: each dot is the "
    "median % difference, its bar the 90% interval. A bar that crosses zero means no clear "
    "difference.",
    "market": "Market share per firm, week by week, in each market of several firms: its share "
    "of every firm's customers and of their ARR (median over seeds, 90% band); the dotted line "
    "is an even split.",
}

#: Top-level keys left out of the parameter diff (shown elsewhere, or common to all runs).
NOT_COMPARED = ("name", "description", "simulation")
MISSING = object()
PERCENT = f"{INTERVAL[1] - INTERVAL[0]:.0f}%"
#: A report block: ("h", level, text), ("p", text), ("ul", items), ("table", header, rows,
#: alignment per column as "l"/"r"), ("fig", name, caption). Text may use **b**, *i*, `code`.
Block = tuple


def flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested parameters as ``{"a.b.c": value}``."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def parameter_diff(parameters: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Dotted keys whose value in some scenario differs from the first's -> values per scenario
    (:data:`MISSING` where unset); name, description and simulation are left out."""
    flats = [flatten({k: v for k, v in p.items() if k not in NOT_COMPARED}) for p in parameters]
    values = {k: [f.get(k, MISSING) for f in flats] for k in sorted(set().union(*flats))}
    return {k: v for k, v in values.items() if any(x != v[0] for x in v[1:])}


def levers(kpi: str, pair: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """Keys acting on ``kpi`` that differ between two scenarios' parameters: (those in effect,
    {key: the setting that switches it off in both})."""
    acting = [k for k in parameter_diff(pair) if acts_on(k, kpi)]
    flats = [flatten(p) for p in pair]
    inert = {}
    for key in acting:
        for switch, off in inert_when(key).items():
            offs = off if isinstance(off, list) else [off]  # any of several settings
            for value in offs:
                if all(f.get(switch, MISSING) == value for f in flats):
                    inert[key] = f"`{switch}` = {show(value)}"
    return [k for k in acting if k not in inert], inert


def meaning(key: str) -> str:
    """First sentence of a parameter's documented meaning (from the scenario declarations)."""
    _, info = field_info(tuple(key.split(".")))
    return re.split(r"(?<=\.)\s", info.description or "")[0] if info else ""


def show(value: Any) -> str:
    if value is MISSING or value is None:
        return "(not set)" if value is MISSING else "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float) and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def by_practice(keys: list[str]) -> str:
    """Differing parameters named by the integration practice they belong to, each with its
    keys: "connected technology (`organisation.handoff_delay_hours`, ...)"; keys outside the
    five practices are listed as they are."""
    from gtmsim.experiments.practices import OTHER, PRACTICES, group_keys

    groups = group_keys(keys, PRACTICES)
    named = [
        f"**{group}** ({', '.join(f'`{k}`' for k in members)})"
        for group, members in groups.items()
        if members and group != OTHER
    ]
    named += [f"`{k}`" for k in groups.get(OTHER, [])]
    return ", ".join(named)


def explain_command(base: str, name: str) -> str:
    """The `gtmsim explain` command that decomposes ``name`` against ``base``: for firms in
    markets (``market:firm``), the two markets and ``--firm``."""
    a, b = firm_of(base), firm_of(name)
    if a and b and a[1] == b[1]:
        return f"gtmsim explain {a[0]} {b[0]} --firm {a[1]}"
    return f"gtmsim explain {base} {name}"


def verdict(kpi: str, name: str, base: str, rows: pd.DataFrame, params: dict) -> str:
    """One comparison in words: medians, the paired difference, and the levers that changed."""
    row, unit = rows.loc[name], rows.loc[name, "unit"]
    a, b = (format_value(rows.loc[n, "median"], unit) for n in (name, base))
    if unit == "%":
        a, b = (v if v == "n/a" else v + "%" for v in (a, b))
    diff = format_diff(
        row["diff_pct_median"],
        row["diff_pct_low"],
        row["diff_pct_high"],
        (row["diff_pct_ci_low"], row["diff_pct_ci_high"]),
        (int(row["better"]), int(row["paired"])),
    )
    unit = "" if unit in ("share", "%") else f" {unit}"
    text = f"*{name} vs {base}*: median {a} vs {b}{unit}, paired difference {diff}"
    effective, inert = levers(kpi, [params[base], params[name]])
    keys = by_practice(effective)
    note = "".join(f" (`{k}` differs too, but has no effect when {w}.)" for k, w in inert.items())
    low, high = row["diff_pct_low"], row["diff_pct_high"]
    if math.isnan(low):
        return f"{text}: cannot be compared (undefined on some seeds, e.g. no customers).{note}"
    if low > 0 or high < 0:
        text += f": **clearly {'higher' if low > 0 else 'lower'}**"
        if keys:
            return (
                f"{text}. The practices and parameters that act on it and differ: {keys} "
                f"(`{explain_command(base, name)}` measures how much of it each carries).{note}"
            )
        return (
            f"{text}, yet none of the parameters that act on it directly differ: the difference "
            "comes from indirect effects, changes elsewhere in the model that reach it through "
            f"other mechanisms.{note}"
        )
    text += f": **no clear difference** (the {PERCENT} interval includes zero)"
    if keys:
        return (
            f"{text}, although parameters that act on it differ ({keys}): over these seeds "
            f"their net effect is too small or too variable to show.{note}"
        )
    return f"{text}; none of the parameters that act on it directly differ.{note}"


def build(meta: dict[str, Any], summary: pd.DataFrame) -> list[Block]:
    """The report as a list of :data:`Block`, rendered to Markdown and HTML alike."""
    present = set(summary["scenario"])
    params = {s["name"]: s["parameters"] for s in meta["scenarios"] if s["name"] in present}
    names = list(params)
    base, others = names[0], names[1:]
    created = str(meta.get("created", "?")).replace("T", " ").replace("+00:00", " UTC")
    n_seeds = len(meta.get("seeds", []))
    blocks: list[Block] = [
        ("h", 1, f"gtmsim report: {' vs '.join(names)}"),
        (
            "p",
            f"Results created {created} with gtmsim {meta['versions']['gtmsim']}: {n_seeds} "
            f"seeds, {meta['weeks']} weeks per run. Every scenario ran on the same seeds (the same "
            "market, social network and random draws), so differences are paired seed by seed.",
        ),
        (
            "p",
            f"How to read the numbers: *median [{PERCENT} interval]* over the seeds; the "
            f"interval holds the middle {PERCENT} of the runs (how much runs vary, not a margin of "
            "error). "
            + (
                f"Differences are the per-seed % change against **{base}**, the baseline (a "
                "firm in a market against the same firm in the first market); *clearly* higher "
                f"or lower means the {PERCENT} interval of these changes excludes zero."
                if any(paired_baselines(names).values())
                else "The firms of one market are rivals, not alternatives, so none is compared "
                "with another; compare two markets to pair each firm with itself."
            ),
        ),
    ]
    if not meta.get("complete", True):
        blocks.append(("p", "**Warning:** this run was interrupted; some runs are missing."))
    blocks += [("h", 2, "Scenarios compared")]
    blocks += [("ul", [f"**{n}**: {params[n].get('description') or '-'}" for n in names])]
    if others:
        diff = parameter_diff(list(params.values()))
        rows = [
            [f"`{k}`", show(v[0]), *(show(x) if x != v[0] else "same" for x in v[1:]), meaning(k)]
            for k, v in diff.items()
        ]
        header = ["parameter", f"{base} (baseline)", *others, "what it sets"]
        blocks.append(("p", f"Parameters that differ from **{base}**; all others are equal."))
        blocks.append(
            ("table", header, rows, "l" + "r" * len(names) + "l") if rows else ("p", "None.")
        )
    table = comparison_table(summary, names)
    baselines = paired_baselines(names)
    header = ["KPI (unit)", base]
    for n in others:
        header += [n, f"{n} vs {baselines[n]}"] if baselines[n] else [n]
    against = base if all(b in (None, base) for b in baselines.values()) else "its baseline"
    caption = f"KPIs at the end of the run: median [{PERCENT} interval] over {n_seeds} seeds"
    caption += (
        f"; paired % difference vs {against}: median [{PERCENT} of the seeds' differences]; the "
        "95% confidence interval of that median; the seeds on which it is better."
        if any(baselines.values())
        else "."
    )
    blocks += [("h", 2, "Key results"), ("p", caption)]
    blocks += [("table", header, kpi_rows(table), "l" + "r" * (len(header) - 1))]
    blocks += [("h", 2, "Figures"), *(("fig", n, text) for n, text in FIGURES.items())]
    blocks.append(("h", 2, "What drives each difference" if others else "What drives each KPI"))
    for kpi, (label, unit) in COMPARED.items():
        rows = table[table["kpi"] == kpi].set_index("scenario")
        items = [verdict(kpi, n, baselines[n], rows, params) for n in others if baselines[n]]
        items = items or [f"*{base}*: median {format_value(rows.loc[base, 'median'], unit)}."]
        blocks += [("h", 3, f"{label} ({unit})"), ("p", KPIS[kpi].mechanism), ("ul", items)]
    return blocks


def md_text(text: str) -> str:
    """Text for report.md: every ``<`` outside `code` spans written as ``&lt;``, so a scenario
    name or description cannot open an HTML tag in a rendered report (``->`` stays as it is)."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;") for p in parts)


def to_markdown(blocks: list[Block], figures: dict[str, Path]) -> str:
    blocks = [_escaped(block) for block in blocks]
    out = []
    for kind, *args in blocks:
        if kind == "h":
            out.append(f"{'#' * args[0]} {args[1]}")
        elif kind in ("p", "ul"):
            out.append(args[0] if kind == "p" else "\n".join(f"- {item}" for item in args[0]))
        elif kind == "table":
            header, rows, align = args
            lines = [header, ["---:" if a == "r" else "---" for a in align], *rows]
            out.append(
                "\n".join(
                    "| " + " | ".join(c.replace("|", r"\|") for c in line) + " |" for line in lines
                )
            )
        elif kind == "fig" and args[0] in figures:
            out.append(f"![{args[0]}](figures/{figures[args[0]].name})\n\n*{args[1]}*")
    return "\n\n".join(out) + "\n"


def _escaped(block: Block) -> Block:
    kind, *args = block
    if kind == "h":
        return (kind, args[0], md_text(args[1]))
    if kind == "p":
        return (kind, md_text(args[0]))
    if kind == "ul":
        return (kind, [md_text(item) for item in args[0]])
    if kind == "table":
        header, rows, align = args
        return (kind, [md_text(c) for c in header], [[md_text(c) for c in r] for r in rows], align)
    return block


def inline(text: str) -> str:
    """HTML for the inline markup: **bold**, *italics*, `code` (which may wrap at dots)."""
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", lambda m: f"<code>{m[1].replace('.', '.<wbr>')}</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)


CSS = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1a1a1a; max-width: 62rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .3rem; } h3 { margin: 1.4rem 0 .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #0072B2; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: 10pt; break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: .3rem .55rem; vertical-align: top; }
th { background: #e8eef4; text-align: left; } td.r { text-align: right; }
td.r, .interval { white-space: nowrap; } tbody tr:nth-child(even) { background: #f6f8fa; }
code { font: 9.5pt ui-monospace, Menlo, Consolas, monospace; background: #f0f0f0;
       padding: 0 .2rem; border-radius: 3px; }
figure { margin: 1.2rem 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figure.wide { width: min(96vw, 90rem); position: relative; left: 50%; transform: translateX(-50%); }
figcaption { font-size: 10pt; color: #444; margin-top: .3rem; }
ul { padding-left: 1.3rem; } li { margin: .35rem 0; }
@page { size: A4; margin: 14mm; } @page figures { size: A4 landscape; margin: 12mm; }
@media print { body { margin: 0; padding: 0; max-width: none; font-size: 10pt; }
  h2, h3 { break-after: avoid; } h2 ~ h2 { break-before: page; } li { break-inside: avoid; }
  td.r { white-space: normal; } #figures, figure { page: figures; break-inside: avoid; }
  table { font-size: 8.5pt; } th, td { padding: .2rem .3rem; }
  th, td, .interval { overflow-wrap: anywhere; white-space: normal; }
  figure.wide { width: auto; left: 0; transform: none; }
  figure img { width: auto; max-width: 100%; max-height: 165mm; }
  figure.wide { margin: .4rem 0; } figure.wide img { max-height: 76mm; }
  th, tbody tr { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
"""


def _png_ratio(data: bytes) -> float:
    """Width / height of a PNG, from its header."""
    return int.from_bytes(data[16:20], "big") / max(int.from_bytes(data[20:24], "big"), 1)


def _html_table(header: list[str], rows: list[list[str]], align: str) -> str:
    """A table; a narrow number cell wraps before its [interval], never inside it."""

    def cell(a: str, text: str) -> str:
        text = re.sub(r"(\[.*\])", r'<span class="interval">\1</span>', inline(text))
        return f'<td class="{a}">{text}</td>'

    body = ["<tr>" + "".join(map(cell, align, row)) + "</tr>" for row in rows]
    head = "".join(f"<th>{inline(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def to_html(blocks: list[Block], figures: dict[str, Path]) -> str:
    """A self-contained page: inline CSS, figures as data URIs, nothing fetched."""
    title = html.escape(blocks[0][2])
    out = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
    ]
    for kind, *args in blocks:
        if kind == "h":
            slug = re.sub(r"[^a-z0-9]+", "-", args[1].lower()).strip("-")
            out.append(f'<h{args[0]} id="{slug}">{inline(args[1])}</h{args[0]}>')
        elif kind == "p":
            out.append(f"<p>{inline(args[0])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in args[0]) + "</ul>")
        elif kind == "table":
            out.append(_html_table(*args))
        elif kind == "fig" and args[0] in figures:
            data = figures[args[0]].read_bytes()
            wide = ' class="wide"' if _png_ratio(data) > 2.2 else ""
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            out.append(
                f'<figure{wide}><img src="{uri}" alt="{args[0]} figure">'
                f"<figcaption>{inline(args[1])}</figcaption></figure>"
            )
    return "\n".join([*out, "</body></html>"]) + "\n"


def write_report(folder: Path) -> list[Path]:
    """Write ``report.md`` and ``report.html`` into a results folder from its saved results
    (drawing the figures first if a PNG is missing). Returns the two paths."""
    folder = Path(folder)
    meta, _timeseries, summary = read_results(folder)
    remove_stale_temporaries(folder)
    names = list(pd.unique(summary["scenario"]))
    wanted = [
        name
        for name in FIGURES
        if (name != "differences" or any(paired_baselines(names).values()))
        and (name != "market" or markets_in(names))
    ]
    figures = {name: folder / "figures" / f"{name}.png" for name in wanted}
    if not all(path.is_file() for path in figures.values()):
        draw_all(folder, fmt="png")
    blocks = build(meta, summary)
    paths = [folder / "report.md", folder / "report.html"]
    write_atomic(paths[0], to_markdown(blocks, figures))
    write_atomic(paths[1], to_html(blocks, figures))
    return paths
