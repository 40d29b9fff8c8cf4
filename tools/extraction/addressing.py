"""Whether text in a paper speaks to a reader or a model: an instruction, a request, praise.

The hidden-text scan reports every span a reader cannot see; only those that address someone raise the
alarm. Figure tick labels, an embedded figure source and template leftovers are listed quietly.
"""

from __future__ import annotations

import re

INSTRUCTION = re.compile(
    r"(ignore (all |any )?(the )?(previous|prior|above|earlier|preceding) (instructions|prompts?|rules)"
    r"|disregard (all |any )?(the )?(previous|prior|above) (instructions|prompts?)"
    r"|(give|write|provide|produce) (this paper |the paper |it )?an? (very )?(positive|favou?rable|glowing|high)"
    r"( review| score| rating| assessment)"
    r"|(recommend|suggest) (acceptance|accepting this paper|to accept)"
    r"|do not (mention|highlight|point out|discuss) (any )?(weaknesses|limitations|flaws|negative)"
    r"|(as|you are) an? (ai|llm|language model|large language model) (reviewer|assistant)"
    r"|for (llm|ai|language model) reviewers"
    r"|rate this paper (as )?(\d|a \d|highly)"
    r"|score of (9|10)(\.\d)?( out of 10|/10)"
    r"|new instructions?:)",
    re.I,
)
# Hidden text that speaks to someone: a reader or a model named, or a verdict asked for with praise or an
# imperative. Figure tick labels, an embedded figure source and template leftovers do neither.
_ADDRESSEE = re.compile(
    r"\b(you|your|reviewers?|llms?|ai|assistants?|language models?|chatgpt|gpt-?\d\w*|claude|gemini|copilot|"
    r"recruiters?|hiring managers?)\b",
    re.I,
)
_VERDICT = re.compile(r"\b(accept\w*|reject\w*|recommend\w*|review|rating|score|strengths?|praise\w*)\b", re.I)
_PRAISE = re.compile(
    r"\b(groundbreaking|outstanding|excellent|exceptional|brilliant|impressive|remarkable|seminal|flawless|"
    r"novel|significant|best)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^\W*(ignore|disregard|forget|give|write|rate|recommend|accept|praise|emphasi[sz]e|highlight|do not|don't|"
    r"only|always|never|make sure|remember|note to)\b",
    re.I,
)


def addresses_reader(text: str) -> bool:
    """Whether text hidden in a paper speaks to a reader or a model: an instruction, a request, praise."""
    if INSTRUCTION.search(text):
        return True
    if len(re.findall(r"[^\W\d_]{2,}", text)) < 3:  # tick labels, symbols, stray letters
        return False
    if _ADDRESSEE.search(text):
        return True
    return bool(_VERDICT.search(text) and (_PRAISE.search(text) or _IMPERATIVE.search(text)))
