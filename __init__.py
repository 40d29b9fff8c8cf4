"""Referee: reads research papers and writes deep, grounded review cards."""

__version__ = "0.1.0"

from . import reviewers as _reviewers  # noqa: E402,F401  (the reviewers that ship register themselves)
