"""Deterministic fake chat models for tests (never used by the product).

`FakeReviewModel` is a LangChain chat model that supports tool calling, so `with_structured_output`
goes through LangChain's real parsing path. `synthesize` builds a schema-valid instance whose claims restate
real sentences of the paper in the prompt and point at their ids, so that answers are deterministic and grounded.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr

_UNIT = re.compile(r"\[(S\d+)\] (.*?)(?= \[S\d+\]| \[\.\.\.\]|\n|$)")
_CELL = re.compile(r"^(T\d+)\.(r\d+): (.*)$", re.M)
_REFERENCE = re.compile(r"^\[(R\d+)\]", re.M)


_FINDING = re.compile(r'"(?:claim|text|what_it_did)":"((?:[^"\\]|\\.){40,220})"')


def paper_sentences(prompt: str) -> list[tuple[str, str]]:
    """(sentence, id) pairs from the <paper> block of a prompt; for the verdict (no paper), the findings'
    statements it reads."""
    match = re.search(r"<paper>\n(.*)\n</paper>", prompt, re.S)
    if not match and (found := _FINDING.findall(prompt)):
        return [(sentence.removeprefix("The paper reports: "), "") for sentence in dict.fromkeys(found)]
    if match:  # the sections' sentences where they vary (a claim restating the abstract is removed as a copy)
        units = list({text.strip(): sid for sid, text in reversed(_UNIT.findall(match.group(1)))}.items())[::-1]
        out = [(text, sid) for text, sid in units if 40 <= len(text) <= 220 and "[author]" not in text]
        body = {sid for sid, _ in _UNIT.findall(match.group(1).partition("\nSECTION ")[2])}
        if len([sid for _, sid in out if sid in body]) >= 6:
            out = [(text, sid) for text, sid in out if sid in body]
    else:  # no paper in the prompt (the verdict): answer from the findings, not the instructions
        from referee.card import echoes_prompt

        pieces = [s.strip() for s in re.split(r"(?<=[.!?])\s+", prompt)]
        out = [(s, "") for s in pieces if 40 <= len(s) <= 220 and not echoes_prompt(s)]
    return out or [("The paper states its method and results.", "")]


def numeric_cells(prompt: str) -> list[str]:
    """Ids of the table cells in the prompt that hold a number ("T1.r2.c1")."""
    cells = []
    for table, row, body in _CELL.findall(prompt):
        for cell in body.split(" | "):
            column, _, text = cell.partition(" ")
            if re.search(r"\d", text):
                cells.append(f"{table}.{row}.{column}")
    return cells


class Synth:
    """Each schema starts at its own sentence of the paper, so that two reviewers do not say the same thing."""

    def __init__(self, prompt: str, title: str = "") -> None:
        self.sentences = paper_sentences(prompt)
        self.cells = numeric_cells(prompt)
        self.references = _REFERENCE.findall(prompt)
        self.i = zlib.crc32(title.encode()) % len(self.sentences) if title else 0

    def _next(self) -> tuple[str, str]:
        sentence = self.sentences[self.i % len(self.sentences)]
        self.i += 1
        return sentence

    def value(self, schema: dict, defs: dict, name: str = "") -> Any:
        if "$ref" in schema:
            return self.value(defs[schema["$ref"].split("/")[-1]], defs, name)
        if "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"]
            return self.value(options[0], defs, name)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            obj = {key: self.value(sub, defs, key) for key, sub in props.items()}
            if "score" in obj and "label" in obj:
                obj["score"], obj["label"] = 6.4, "SOLID"
            return obj
        if kind == "array":
            count = max(schema.get("minItems", 0), min(2, schema.get("maxItems", 2)))
            return [self.value(schema.get("items", {}), defs, name) for _ in range(count)]
        if kind == "integer":
            low, high = schema.get("minimum", 1), schema.get("maximum", 5)
            return min(max(3, low), high)
        if kind == "number":
            return min(max(5.0, schema.get("minimum", 0)), schema.get("maximum", 10))
        if kind == "boolean":
            return False
        limit = schema.get("maxLength", 300)
        if name == "evidence":  # the sentence the next claim is about
            return self.sentences[self.i % len(self.sentences)][1]
        if name in ("cell", "baseline_cell"):
            return self.cells[(self.i + (name == "baseline_cell")) % len(self.cells)] if self.cells else ""
        if name == "reference":
            return self.references[self.i % len(self.references)] if self.references else "R1"
        sentence, _ = self._next()
        if name in NAMES:  # a name, as the paper writes it: its first words
            return " ".join(sentence.split()[:3])[:limit]
        return f"The paper reports: {sentence}"[:limit]


NAMES = {"name"}  # a name the model writes (a newsletter concept); table labels and entries are copied by code


def triage_scores(prompt: str) -> dict:
    """A score for every paper the triage prompt lists, derived from its id (stable across runs)."""
    scores = []
    for arxiv_id, abstract in re.findall(r"^\[([^\]\s]+)\][^\n]*\n([^\n]*)", prompt, re.M):
        h = zlib.crc32(arxiv_id.encode())
        scores.append(
            {
                "arxiv_id": arxiv_id,
                "relevance": 1 + h % 10,
                "novelty": 1 + (h >> 8) % 10,
                "primary_topic": "none",
                "matched_topics": [],
                "reason": "The abstract: " + " ".join(abstract.split()[:20]),  # what in the abstract decided
            }
        )
    return {"scores": scores}


def synthesize(schema: dict, prompt: str, name: str = "") -> dict:
    if name == "ConsistencyCheck" or schema.get("title") == "ConsistencyCheck":
        return {"contradictions": []}  # a consistent panel, unless a test's responder says otherwise
    if name == "TriageBatch" or schema.get("title") == "TriageBatch":
        return triage_scores(prompt)
    return Synth(prompt, schema.get("title", name)).value(schema, schema.get("$defs", {}))


def prompt_text(messages: list[BaseMessage]) -> str:
    return "\n\n".join(str(m.content) for m in messages)


class FakeReviewModel(BaseChatModel):
    """Answers every structured-output request with a synthesized, schema-valid object."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    fail_tools: set[str] = set()  # tool (schema) names for which it answers with garbage
    responder: Callable[[str, dict, str], dict] | None = None
    _prompts: list[str] = PrivateAttr(default_factory=list)
    _calls: list[str] = PrivateAttr(default_factory=list)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "fake-review"

    @property
    def prompts(self) -> list[str]:
        return list(self._prompts)

    @property
    def calls(self) -> list[str]:
        return list(self._calls)

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        text = prompt_text(messages)
        tool = kwargs["tools"][0]["function"]
        with self._lock:
            self._prompts.append(text)
            self._calls.append(tool["name"])
        if tool["name"] in self.fail_tools:
            message = AIMessage(content="Sorry, I cannot answer in JSON.")
        else:
            args = (self.responder or (lambda n, s, p: synthesize(s, p, name=n)))(
                tool["name"], tool["parameters"], text
            )
            message = AIMessage(content="", tool_calls=[{"name": tool["name"], "args": args, "id": "call_0"}])
        tokens_in = max(1, len(text) // 4)
        tokens_out = max(1, len(str(message.tool_calls or message.content)) // 4)
        message.usage_metadata = {
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        }
        return ChatResult(generations=[ChatGeneration(message=message)])
