"""The classroom tournament: student teams run rival firms in one market, round by round.

``rules`` (what a team decides and what each decision costs), ``engine`` (the market played
round by round, and replayed from the seed), ``store`` (the game's SQLite file), ``scores``
(the scoreboard) and ``game`` (the instructor's and teams' actions on a game folder).
"""
