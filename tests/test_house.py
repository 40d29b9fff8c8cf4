"""The house rules, read from the source: tools/ knows nothing of agents, the graph, card assembly or the CLI;
the contract is the ground floor; no module imports itself back; the registry is the only list of reviewers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from referee.contract.registry import reviewer_names

ROOT = Path(__file__).parents[1]
PACKAGES = ("agents", "contract", "reviewers", "tools", "prompts", "templates")


def modules() -> dict[str, Path]:
    found = {}
    for path in [*ROOT.glob("*.py"), *(p for d in PACKAGES for p in (ROOT / d).rglob("*.py"))]:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(["referee", *parts])] = path
    return found


def imports(name: str, path: Path, top_level_only: bool) -> set[str]:
    """The referee modules `name` imports (a package's submodule where `from package import sub` names one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    known = modules()
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("referee"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("referee")}
    return {m for m in out if m in known and m != name}


def test_tools_know_nothing_of_agents_the_graph_card_assembly_or_the_cli():
    above = ("referee.agents", "referee.graph", "referee.card", "referee.cli", "referee.review", "referee.llm")
    wrong = {
        name: sorted(m for m in imports(name, path, top_level_only=False) if m.startswith(above))
        for name, path in modules().items()
        if name.startswith("referee.tools")
    }
    wrong = {k: [m for m in v if any(m == a or m.startswith(a + ".") for a in above)] for k, v in wrong.items()}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_contract_is_the_ground_floor():
    allowed = ("referee.contract", "referee.paper", "referee.errors")
    wrong = {
        name: sorted(m for m in imports(name, path, top_level_only=False) if not m.startswith(allowed))
        for name, path in modules().items()
        if name.startswith("referee.contract")
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_no_import_cycle():
    graph = {name: imports(name, path, top_level_only=True) for name, path in modules().items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    cycles = [c for name in sorted(graph) if name not in state and (c := visit(name, []))]
    assert cycles == []


def test_the_registry_is_the_only_list_of_reviewers():
    """No source outside reviewers/ lists three or more reviewers in one literal: it iterates over the registry."""
    names = reviewer_names()
    assert len(names) >= 6
    quoted = re.compile("[\"'](" + "|".join(map(re.escape, names)) + ")[\"']")
    lists = {}
    sources = [*modules().values(), *(ROOT / "bench").glob("*.py"), *(ROOT / "tests").glob("*.py")]
    for path in sources:
        if path.parent.name == "reviewers" or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"[\[({][^\[\](){}]*[\])}]", text):
            if len(set(quoted.findall(block))) >= 3:
                lists[f"{path.relative_to(ROOT)}"] = block[:120]
    assert lists == {}


def test_each_outside_client_is_imported_by_one_module():
    """pymupdf by the PDF module, langchain_openai, llama_cpp and redis by llm.py, ray by cluster.py."""
    owners = {"pymupdf": "referee.tools.extraction.pdf", "fitz": "referee.tools.extraction.pdf",
              "langchain_openai": "referee.llm", "llama_cpp": "referee.llm", "redis": "referee.llm",
              "ray": "referee.cluster"}  # fmt: skip
    found = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for imported in names:
                if imported.split(".")[0] in owners:
                    found.setdefault(imported.split(".")[0], set()).add(name)
    assert found == {lib: {owners[lib]} for lib in found} and {"pymupdf", "ray", "redis"} <= set(found)
