"""Text from users (scenario names, file paths, channel names) made safe to show in a terminal.

Rich reads ``[bold]`` as markup and a terminal obeys escape sequences, so a scenario named
``[/]`` could crash the output and one holding ``ESC[31m`` could colour it: :func:`shown`
removes control characters and escapes markup. Standard library and rich only, so the CLI can
import it without slowing ``--help``.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: object) -> str:
    """``text`` for rich output: control characters (escape sequences) dropped, markup escaped."""
    return escape(_CONTROL.sub("", str(text)))
