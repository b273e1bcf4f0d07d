"""Figures are drawn from a saved results folder alone, every one non-blank and labelled."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.image
import matplotlib.text
import pytest
from matplotlib.figure import Figure

import gtmsim.experiments.runner
import gtmsim.model.growth
from gtmsim.experiments.runner import run_batch
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import load_scenario
from gtmsim.outputs.figures import draw_all, save_figure
from gtmsim.outputs.plots.differences import plot_differences
from gtmsim.outputs.plots.funnel import plot_funnel
from gtmsim.outputs.plots.journey import plot_journey, plot_kpi_panel
from gtmsim.outputs.plots.spend import plot_spend
from gtmsim.outputs.results import read_results, write_results

NAMES = ["journey", "kpis", "funnel", "spend", "differences"]
DPI = 60  # low resolution keeps the tests fast


def small(name: str) -> Scenario:
    data = load_scenario(name).model_dump()
    data["market"]["prospects"] = 2_000
    data["simulation"]["weeks"] = 26
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    batch = run_batch([small("separate"), small("integrated")], seeds=[1, 2, 3], weeks=26)
    folder = tmp_path_factory.mktemp("results")
    return write_results(folder, batch.timeseries(), batch.summary(), batch.manifest())


@pytest.fixture(scope="module")
def drawn(folder: Path) -> list[Path]:
    return draw_all(folder, dpi=DPI)


def test_draw_all_writes_every_figure(folder: Path, drawn: list[Path]) -> None:
    assert drawn == [folder / "figures" / f"{name}.png" for name in NAMES]
    assert all(path.stat().st_size > 0 for path in drawn)
    assert not list((folder / "figures").glob(".*"))  # no temporary files left behind


@pytest.mark.parametrize("name", NAMES)
def test_figure_is_not_blank(drawn: list[Path], name: str) -> None:
    (path,) = [p for p in drawn if p.stem == name]
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert pixels[..., :3].var() > 0.01


def figures(folder: Path) -> dict:
    _, timeseries, summary = read_results(folder)
    return {
        "journey": plot_journey(timeseries),
        "kpis": plot_kpi_panel(timeseries),
        "funnel": plot_funnel(timeseries),
        "spend": plot_spend(timeseries),
        "differences": plot_differences(summary, "separate"),
    }


def test_every_axes_is_labelled_and_every_figure_has_a_title_and_legend(folder: Path) -> None:
    for name, fig in figures(folder).items():
        assert fig.get_suptitle(), name
        assert fig.legends or any(ax.get_legend() for ax in fig.axes), name
        for ax in fig.axes:
            assert ax.get_xlabel().strip(), (name, ax.get_title())
            assert ax.get_ylabel().strip(), (name, ax.get_title())


def test_fonts_are_at_least_10pt(folder: Path) -> None:
    fig = figures(folder)["funnel"]
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= 10


def test_figures_are_redrawn_from_saved_results_without_the_model(
    folder: Path, drawn: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("plots must not run the model")

    monkeypatch.setattr(gtmsim.model.growth, "GrowthModel", refuse)
    monkeypatch.setattr(gtmsim.experiments.runner, "GrowthModel", refuse)
    before = [path.read_bytes() for path in drawn]
    shutil.rmtree(folder / "figures")
    assert draw_all(folder, dpi=DPI) == drawn
    assert [path.read_bytes() for path in drawn] == before


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_vector_formats_are_reproducible(folder: Path, tmp_path: Path, fmt: str) -> None:
    _, timeseries, _ = read_results(folder)
    first = save_figure(plot_journey(timeseries), tmp_path / f"a.{fmt}").read_bytes()
    second = save_figure(plot_journey(timeseries), tmp_path / f"b.{fmt}").read_bytes()
    assert first == second  # same results, same bytes: no timestamps or random ids
    assert first.startswith(b"<?xml" if fmt == "svg" else b"%PDF")


def test_unknown_format_is_refused(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'jpg' is not supported; choose one of: png, svg, pdf"):
        draw_all(folder, fmt="jpg")
    with pytest.raises(ValueError, match="'gif' is not supported"):
        save_figure(Figure(), tmp_path / "x.gif")


def test_unknown_baseline_is_refused(folder: Path) -> None:
    _, _, summary = read_results(folder)
    with pytest.raises(ValueError, match="choose one of: separate, integrated"):
        plot_differences(summary, "nope")
