"""The ``gtmsim`` command line: one module per command group. Commands parse their options,
call one function of the experiments or outputs layer, and print; no procedure lives here."""

from __future__ import annotations

from gtmsim.cli.analyse import analyse
from gtmsim.cli.calibrate import calibrate
from gtmsim.cli.checks import attribute_command, check
from gtmsim.cli.dashboard import dashboard
from gtmsim.cli.explain import explain_command
from gtmsim.cli.game import game
from gtmsim.cli.group import main
from gtmsim.cli.runs import compare, plot, report, run
from gtmsim.cli.scenarios import list_scenarios, reference, validate
from gtmsim.cli.sweep import sweep

for command in (run, compare, plot, report, validate, check, attribute_command):
    main.add_command(command)
for command in (
    list_scenarios,
    reference,
    dashboard,
    game,
    calibrate,
    sweep,
    analyse,
    explain_command,
):
    main.add_command(command)

__all__ = ["main"]
