"""The prompts, one Markdown file each, read through importlib.resources."""

from __future__ import annotations

from importlib import resources


def load_prompt(name: str, package: str = __name__) -> str:
    return resources.files(package).joinpath(f"{name}.md").read_text(encoding="utf-8")


def prompt_names() -> list[str]:
    return sorted(p.name[:-3] for p in resources.files(__name__).iterdir() if p.name.endswith(".md"))
