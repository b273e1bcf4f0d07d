"""Upper bounds on the sizes a scenario or a command may ask for (standard library only, so
the command line's ``--help`` can show them without loading anything).

They stop requests that no machine could serve (a market of 10^12 prospects, a million seeds)
at validation, with the key and the bound. Whether a request within them fits *this* machine
is decided before any run from an estimate of the memory it needs
(:mod:`gtmsim.experiments.capacity`); docs/performance.md, "Memory limits", has the numbers.
"""

from __future__ import annotations

#: Longest run (weeks): 40 years.
MAX_WEEKS = 2080
#: Longest Bass docking run (weeks): 100 years, for slow diffusions.
MAX_BASS_WEEKS = 5200
#: Most replicate seeds per scenario in one batch.
MAX_SEEDS = 100_000
#: Largest market (prospects): a billion companies, more than any market; memory decides first.
MAX_PROSPECTS = 1_000_000_000
#: Most social ties per prospect: far above any business network (Dunbar's number is ~150).
MAX_TIES = 1_000.0
