"""The app `solara run` serves for ``gtmsim dashboard``; its settings come from the environment.

GTMSIM_DASHBOARD_SCENARIO (a scenario file or shipped name), GTMSIM_DASHBOARD_PROSPECTS and
GTMSIM_DASHBOARD_COMPARE are set by :func:`gtmsim.classroom.server.server_env`.
"""

from __future__ import annotations

import os

import solara

from gtmsim.classroom import page as dashboard
from gtmsim.classroom.defaults import CLASSROOM_PROSPECTS


@solara.component
def Page() -> None:
    dashboard.Page(
        scenario_file=os.environ.get("GTMSIM_DASHBOARD_SCENARIO", "separate"),
        prospects=int(os.environ.get("GTMSIM_DASHBOARD_PROSPECTS", CLASSROOM_PROSPECTS)),
        compare=os.environ.get("GTMSIM_DASHBOARD_COMPARE", "off"),
    )
