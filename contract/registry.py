"""The registry of reviewers: each is declared once, and everything that lists reviewers iterates over it
(the graph's nodes, the paper digest's routes, card assembly and rendering, verification, the CLI's choices).

A reviewer is a findings schema, a prompt and an entry here; adding one is one module, one prompt and one
`register` call (see reviewers/ for the six that ship).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .findings import Findings

# The extracted facts a reviewer may be given beside the sections it reads.
Extract = Literal["tables", "links", "references"]


@dataclass(frozen=True)
class Reviewer:
    name: str  # the node is review_<name>; the card's key
    title: str  # what the reviewer covers, in words ("the {title} reviewer produced no valid findings")
    prompt: str  # <prompt>.md in prompt_package
    schema: type[Findings]
    headings: tuple[str, ...]  # the card sections it fills, in order
    reads: tuple[str, ...] = ()  # words of section headings routed to it when sections are routed
    extracts: frozenset[Extract] = field(default_factory=frozenset)
    prompt_package: str = "referee.prompts"  # a reviewer shipped elsewhere brings its prompt in its own package


REGISTRY: dict[str, Reviewer] = {}


def register(reviewer: Reviewer) -> Reviewer:
    """Declare a reviewer (a second declaration of a name replaces the first)."""
    REGISTRY[reviewer.name] = reviewer
    return reviewer


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def reviewer_names() -> tuple[str, ...]:
    """The registered reviewers' names, in card order (the package `referee` registers the six that ship)."""
    return tuple(REGISTRY)


def reviewers() -> tuple[Reviewer, ...]:
    return tuple(REGISTRY.values())


def get(name: str) -> Reviewer:
    """The registered reviewer of that name (KeyError when there is none)."""
    return REGISTRY[name]
