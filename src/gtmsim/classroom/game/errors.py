"""The game's input errors, each a one-paragraph message saying what is wrong and how to fix
it (the command line prints them instead of a traceback)."""

from __future__ import annotations


class GameSetupError(ValueError):
    """A game cannot be set up as asked."""


class GameFileError(ValueError):
    """A game folder or file that cannot be used."""


class DecisionsError(ValueError):
    """Decisions that cannot be played (which key, why, and what is allowed)."""


class WeightsError(ValueError):
    """Scoreboard weights that cannot score."""


GAME_ERRORS = (GameSetupError, GameFileError, DecisionsError, WeightsError)
