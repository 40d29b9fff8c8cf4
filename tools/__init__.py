"""The deterministic parts, grouped by subsystem: sources/ (arXiv and local inputs), extraction/ (PDF to
Paper), grounding/ (model output against the paper), publishing/ (cards, reports, issues). Nothing here knows
of agents, the graph, card assembly, the CLI or the models."""
