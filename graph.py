"""Builds and compiles the review graph:
resolve -> fetch -> extract -> reviewers -> verdict -> verify -> render.

The graph itself arrives with the deep-review work; ingestion lives in `tools/ingest.py` meanwhile.
"""
