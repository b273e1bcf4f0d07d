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


def compact(value: float) -> str:
    """A number in a few characters, for narrow tables and figure labels: 3.07M, 87.9k, 52.5,
    0.231, -1.5k; ``n/a`` for NaN."""
    if value != value:  # NaN
        return "n/a"
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"
