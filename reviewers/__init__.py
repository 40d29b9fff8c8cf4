"""The reviewers that ship, one module each (findings schema, facts over claims, registry entry); importing
this package registers them, in the order their sections appear on a card."""

from . import methodology, novelty, experiments, reproducibility, limitations, impact  # noqa: F401,I001
