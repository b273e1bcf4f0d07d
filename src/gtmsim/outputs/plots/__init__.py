"""Figures as pure functions of saved tables, each returning a matplotlib Figure; one module
per figure family."""
