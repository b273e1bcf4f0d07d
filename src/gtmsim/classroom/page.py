"""The classroom dashboard: gtmsim live in a browser, built on Mesa's SolaraViz. UI only.

The page shows a :class:`gtmsim.classroom.model.ClassroomModel`. It is made of SolaraViz's own
parts — :func:`mesa.visualization.solara_viz.ModelController` for Reset, play/pause and
Step, and its ``update_counter`` to redraw after each step — laid out for a projector at
1280x720 rather than with ``SolaraViz``'s draggable two-column grid (which needs scrolling
at that size) and sidebar sliders (which hide their values). Controls sit on the left and
restart the run at week 0 when changed; the four views fill the rest: a KPI table, the
buyer's journey, revenue and CAC, and the market as a network of prospects coloured by
journey stage. With a side-by-side organisation chosen, every view shows both runs.

The charts (:mod:`gtmsim.classroom.charts`) are drawn once and then only their data change
each week, so a step of the classroom model and its redraw take a fraction of a second.
``gtmsim dashboard`` serves the page (see :mod:`gtmsim.classroom.server`).
"""

from __future__ import annotations

import math
from typing import Any

import reacton.ipywidgets as rw
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from solara.toestand import Ref

from gtmsim.classroom.charts import Charts, history, kpi_html
from gtmsim.classroom.defaults import CLASSROOM_PROSPECTS, COMPARE_WITH
from gtmsim.classroom.model import (
    CADENCES,
    DEFAULT_SEED,
    GOALS,
    SEED_CHOICES,
    ClassroomModel,
    Levers,
    classroom_market,
)
from gtmsim.model.scenario_files import load_scenario

#: Pause between weeks when playing (the redraw comes on top).
PLAY_INTERVAL_MS = 150


def initial_settings(
    scenario_file: str, prospects: int = CLASSROOM_PROSPECTS, compare: str = "off"
) -> dict[str, Any]:
    """Keyword arguments of :class:`ClassroomModel` at the scenario's own lever values."""
    levers = Levers.of(classroom_market(load_scenario(scenario_file), prospects))
    return {
        "scenario_file": str(scenario_file),
        "prospects": prospects,
        **levers.__dict__,
        "seed": DEFAULT_SEED,
        "compare": compare,
        "seeds": 1,
    }


CSS = """
.gtmsim-controls { width: 310px; flex: none; font-size: 15px; max-height: calc(100vh - 72px);
                   overflow-y: auto; overflow-x: hidden; padding-right: 4px; }
.gtmsim-controls .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.gtmsim-controls .v-input__slot { margin-bottom: 0; }
.gtmsim-controls .v-messages { display: none; }
.gtmsim-controls .v-btn-toggle .v-btn { text-transform: none; font-size: 14px; }
.gtmsim-label { display: block; font-weight: 500; margin-top: 4px; }
.gtmsim-controls .v-slider__thumb-label { font-size: 12px; }
.gtmsim-slider .gtmsim-label { margin-bottom: 30px; }
.gtmsim-seedrow { display: flex; gap: 12px; align-items: flex-end; }
.gtmsim-seedrow > div { flex: 1; }
.gtmsim-note { font-size: 13px; color: rgba(0, 0, 0, 0.6); }
.gtmsim-switches .v-label { font-size: 15px; color: rgba(0, 0, 0, 0.87); }
.gtmsim-seed input { font-size: 16px; }
.gtmsim-seed .v-text-field { margin-top: 0; padding-top: 0; }
.gtmsim-views { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; flex: 1; }
.gtmsim-views img { width: 100%; height: auto; max-height: calc(50vh - 62px); object-fit: contain; }
.gtmsim-kpis th[title] { cursor: help; }
.gtmsim-kpis sup { color: #0072B2; font-size: 11px; }
.gtmsim-kpis table { font-size: 18px; width: 100%; border-collapse: collapse; }
.gtmsim-kpis th, .gtmsim-kpis td { padding: 4px 8px; border-bottom: 1px solid #ddd; }
.gtmsim-kpis th { text-align: left; font-weight: 500; }
.gtmsim-kpis tr:first-child th { font-weight: 700; text-align: right; }
.gtmsim-kpis tr:first-child th:first-child { text-align: left; }
.gtmsim-kpis td { text-align: right; font-variant-numeric: tabular-nums; }
"""


@solara.component
def Labelled(
    label: str,
    name: str,
    slider: bool = False,
    children: list = [],  # noqa: B006 (solara children)
) -> None:
    """A control with its label written above it, readable from afar (a slider's value is on
    its thumb, which moves with it)."""
    with solara.Div(classes=[f"gtmsim-{name}", *(["gtmsim-slider"] if slider else [])]):
        solara.Text(label, classes=["gtmsim-label"])
        for child in children:
            solara.display(child)


@solara.component
def LeverControls(settings: solara.Reactive[dict[str, Any]], limits: dict[str, Any]) -> None:
    """The levers, each bound to its entry of ``settings`` (so fast changes are never lost)."""

    def lever(name: str) -> solara.Reactive:
        return Ref(settings.fields[name])

    with solara.Div(classes=["gtmsim-seedrow"]):
        with Labelled("Seed", "seed"):
            solara.InputInt("", lever("seed"), dense=True)
        with Labelled("Seeds at once", "seeds"):
            solara.ToggleButtonsSingle(lever("seeds"), list(SEED_CHOICES), dense=True)
    solara.Text(
        "The same seed replays the same run; 5 seeds show the median and their range, so one "
        "seed's luck cannot point the wrong way.",
        classes=["gtmsim-note"],
    )
    with Labelled("Marketing budget (thousand a year)", "budget", slider=True):
        solara.SliderInt("", lever("budget_k"), 0, limits["budget_k"], 10, thumb_label="always")
    with Labelled(f"Share spent on {limits['channel']} (%)", "channel", slider=True):
        solara.SliderInt("", lever("lead_channel_pct"), 0, 100, 5, thumb_label="always")
    with Labelled("Sales reps", "reps", slider=True):
        solara.SliderInt("", lever("reps"), 0, limits["reps"], 1, thumb_label="always")
    with Labelled("Marketing goal", "goal"):
        solara.ToggleButtonsSingle(lever("marketing_goal"), list(GOALS), dense=True)
    with solara.Div(classes=["gtmsim-switches"]):
        solara.Switch(label="Agreed lead definition", value=lever("lead_definition_agreed"))
        solara.Switch(label="Connected CRM", value=lever("crm_integrated"))
    with Labelled("Joint meetings", "meetings"):
        solara.ToggleButtonsSingle(lever("meeting_cadence"), list(CADENCES), dense=True)
    with Labelled("Cross-skilled staff (%)", "skilling", slider=True):
        solara.SliderInt("", lever("cross_skilling_pct"), 0, 100, 10, thumb_label="always")
    with Labelled("Side by side with", "compare"):
        solara.ToggleButtonsSingle(lever("compare"), list(COMPARE_WITH), dense=True)
    solara.Text(
        "integrated: revenue goal, agreed definition, connected CRM, weekly meetings, 50% "
        "cross-skilled; separate: lead goal, own definitions, manual handoff, quarterly.",
        classes=["gtmsim-note"],
    )


@solara.component
def Views(model: ClassroomModel, previous: dict | None = None) -> None:
    """The KPI table and the three charts, redrawn after every step (``previous``: the run
    before the last lever change, drawn faintly)."""
    update_counter.get()
    charts = solara.use_memo(lambda: Charts(model, previous), [model])
    week = model.week
    images = solara.use_memo(
        lambda: {name: getattr(charts, name).png() for name in ("journey", "growth", "network")},
        [model, week],
    )
    with solara.Div(classes=["gtmsim-views"]):
        with solara.Div(classes=["gtmsim-kpis"]):
            if model.notice:
                solara.Warning(model.notice)
            if not model.running:
                solara.Info(
                    f"Week {model.week}: the end of the run ({model.week // 52} years). Press "
                    "Reset to watch it again, or change a lever.",
                    classes=["gtmsim-end"],
                )
            solara.HTML(tag="div", unsafe_innerHTML=kpi_html(model))
            solara.Text(
                "Hover a KPI's name for what it measures (all KPIs: docs/glossary.md).",
                classes=["gtmsim-note"],
            )
        for name, png in images.items():
            rw.Image(value=png, format="png", _dom_classes=[f"gtmsim-{name}"])


@solara.component
def WeekCounter(model: ClassroomModel) -> None:
    """The week the run has reached, large, in the title bar."""
    update_counter.get()
    solara.Text(f"Week {model.week}", classes=["gtmsim-week"], style={"font-size": "24px"})


@solara.component
def Page(
    scenario_file: str = "separate",
    prospects: int = CLASSROOM_PROSPECTS,
    compare: str = "off",
) -> None:
    """The dashboard for one browser session (each session has its own model)."""
    start = solara.use_memo(lambda: initial_settings(scenario_file, prospects, compare), [])
    settings = solara.use_reactive(start)  # what the controls show
    parameters = solara.use_reactive(start)  # what Reset rebuilds the model with
    model = solara.use_reactive(solara.use_memo(lambda: ClassroomModel(**start), []))
    previous = solara.use_reactive(None)  # the run before the last lever change
    limits = solara.use_memo(
        lambda: {
            "budget_k": max(500, 100 * math.ceil(3 * start["budget_k"] / 100)),
            "reps": max(20, 2 * start["reps"]),
            "channel": next(iter(model.value.base.marketing.channels)).replace("_", "/"),
        },
        [],
    )
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)  # ModelController takes reactives
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def restart() -> None:
        """A lever moved: the run restarts at week 0 with the new settings."""
        if settings.value != parameters.value:
            ran = history(model.value)  # kept as a faint line, if the run had started
            if ran is not None:  # (several quick changes keep the last run that had weeks)
                previous.value = ran
            parameters.value = settings.value
            model.value = ClassroomModel(**settings.value)

    solara.use_effect(restart, [settings.value])
    solara.Title("gtmsim classroom")
    solara.Style(CSS)
    with solara.AppBarTitle():
        solara.Text(
            f"gtmsim classroom: {model.value.scenario_name}, "
            f"{model.value.base.market.prospects:,} prospects, budget "
            f"{model.value.levers.budget_k:,}k, {model.value.levers.reps} reps, "
            f"seed {model.value.run_seed}"
            + (f" (+{len(model.value.seeds) - 1} more)" if len(model.value.seeds) > 1 else "")
        )
    with solara.AppBar():
        WeekCounter(model.value)
    with solara.Row(gap="16px", style={"align-items": "flex-start"}):
        with solara.Column(classes=["gtmsim-controls"], gap="2px"):
            ModelController(
                model,
                model_parameters=parameters,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            )
            solara.Text(
                "Changing a control restarts the run at week 0; the run before stays as a faint "
                "dotted line.",
                classes=["gtmsim-note"],
            )
            LeverControls(settings, limits)
        Views(model.value, previous.value)
