"""The classroom's defaults, in one light module (standard library only): the CLI's ``--help``,
the dashboard's model and its server all read them here."""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Where `gtmsim game serve` listens unless told otherwise (beside the dashboard's port).
GAME_PORT = 8766
#: Prospects in the dashboard's market: a few thousand at most, so a step and its
#: charts take a fraction of a second and the network view stays readable.
CLASSROOM_PROSPECTS = 2_000
#: What the second, side-by-side run can be: the same company organised like a shipped scenario.
COMPARE_WITH = ("off", "separate", "integrated")
