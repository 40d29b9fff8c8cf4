"""Referee: reads research papers and writes deep, grounded review cards."""

__version__ = "0.1.0"
