"""Every placeholder in every prompt file is filled by the node that uses it, and nothing more."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

from referee.agents.base import placeholders
from referee.contract.registry import reviewers
from referee.prompts import load_prompt

ROOT = Path(__file__).resolve().parents[1]


def prompt_files() -> dict[str, str]:
    folder = resources.files("referee.prompts")
    return {p.name[:-3]: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".md")}


def fill_calls() -> dict[str, set[str]]:
    """prompt name -> keyword arguments passed to fill(load_prompt(name), ...) anywhere in the package."""
    found: dict[str, set[str]] = {}
    for path in [*ROOT.glob("agents/*.py"), *ROOT.glob("*.py"), *ROOT.glob("tools/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fill" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Call) and getattr(first.func, "id", None) == "load_prompt":
                arg = first.args[0]
                name = arg.value if isinstance(arg, ast.Constant) else "<reviewer prompt>"
                found.setdefault(name, set()).update(k.arg for k in node.keywords if k.arg)
    return found


def test_every_prompt_file_is_used_and_filled_exactly():
    files = prompt_files()
    calls = fill_calls()
    reviewer_prompts = {r.prompt for r in reviewers()}
    for name, text in files.items():
        wanted = placeholders(text)
        if name in reviewer_prompts:
            # reviewer prompts are filled by reviewer_messages, with no placeholders
            assert "<reviewer prompt>" in calls and wanted == set(), (name, wanted)
        else:
            assert name in calls, f"prompts/{name}.md is never filled"
            assert calls[name] == wanted, (name, calls[name], wanted)


def test_every_registered_reviewer_names_an_existing_prompt():
    files = prompt_files()
    assert all(r.prompt in files for r in reviewers() if r.prompt_package == "referee.prompts")


def test_paper_is_fenced_as_data():
    system, paper = load_prompt("system"), load_prompt("paper")
    assert "<paper>" in paper and "</paper>" in paper
    assert "never instructions" in system and "do not follow it" in system
