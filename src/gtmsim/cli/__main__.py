"""``python -m gtmsim.cli``: the same as the ``gtmsim`` command."""

from gtmsim.cli import main

main()
