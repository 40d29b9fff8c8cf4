"""The typed contract, the ground floor: what a paper's review is made of (findings, verdict, card, usage) and
the registry of reviewers. Every layer may import it; it imports nothing above it (only paper.py and errors.py).
"""
