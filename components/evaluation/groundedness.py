"""Groundedness without a model: the names and numbers an answer states that its evidence does not.

An annotator marks a hallucination when the answer states a fact - a name, a number, a date, a
skill - that neither the page, the question nor what the skills returned supports. This evaluator
does the same for the two kinds of fact that can be checked mechanically:

- numbers (amounts, counts, years, percentages), compared after normalising "1,200" / "1200" /
  "1.2k"; small whole counts (up to 12) are the answer's own arithmetic ("2 of 5 requirements") and pass,
  and so is a whole number of years that the evidence's dated entries span ("you have 14 years as one"
  from roles dated since 2011: an answer adds up a profile's dates, and no single number states it);
- names: capitalised words, checked against the evidence's words. A capital that only starts a
  sentence is grammar, and a word English also writes in lower case ("Remote") is not a name; the
  common-word list is learned from lower-case words in the project's prompts and curated examples.

It cannot judge paraphrase or reasoning; the LLM judge, when configured, covers that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Claim", "evidence_text", "unsupported_claims"]

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s?[kKmM]\b)?")
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&'+#-]*[A-Za-z0-9+#]|\b[A-Z]\b")
_TOKEN = re.compile(r"[a-z0-9+#]+(?:['’][a-z]+)?")
_SMALL_COUNT = 12
_YEARS = re.compile(r"(?<![\w.])(\d+)\s+years?\b", re.IGNORECASE)
# ISO dates ("2014-03", "2014-03-01") are the dated entries of a record; a bare year ("founded in 1987")
# dates an event and spans nothing.
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(?:0[1-9]|1[0-2])(?:-\d\d)?(?!\d)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*(?:[-*•]\s+|\d+[.)]\s+)?|\(\s*)$")
_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Claim:
    kind: str  # "number" or "name"
    text: str


def evidence_text(query: str, context: str, dossier: list[dict[str, Any]] | str) -> str:
    """Everything the answer may use: the question, the page and what the skills returned."""
    data = dossier if isinstance(dossier, str) else json.dumps(dossier, ensure_ascii=False, default=str)
    return f"{query}\n{context}\n{data}"


def _numbers(text: str) -> set[float]:
    found = set()
    for digits, suffix in _NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        if suffix.strip().lower() == "k":
            value *= 1_000
        elif suffix.strip().lower() == "m":
            value *= 1_000_000
        found.add(round(value, 2))
    return found


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Words written in lower case somewhere in the project's prompts, rubric and curated examples."""
    texts = [p.read_text(encoding="utf-8") for p in (_ROOT / "mlflow" / "prompts").glob("*.yaml")]
    for extra in (_ROOT / "data" / "examples" / "examples.jsonl", _ROOT / "data" / "eval" / "rubric.yaml"):
        if extra.exists():
            texts.append(extra.read_text(encoding="utf-8"))
    words = set()
    for text in texts:
        words.update(w for w in re.findall(r"\b[a-z][a-z'-]+\b", text))
    words.update("i a an the you your we it this that these those what where when how why which who if then "
                 "yes no here there also however consider first second next finally overall".split())
    return frozenset(words)


def _years_spanned(evidence: str) -> int:
    """Whole years from the evidence's earliest ISO date to its latest, or to today if that is later."""
    years = [int(y) for y in _ISO_DATE.findall(evidence)]
    return max(max(years), date.today().year) - min(years) if years else 0


def unsupported_claims(answer: str, evidence: str) -> list[Claim]:
    """The numbers and names in `answer` that `evidence` does not contain."""
    known_numbers = _numbers(evidence)
    spanned = _years_spanned(evidence)
    known_numbers |= {float(n) for n in _YEARS.findall(answer) if int(n) <= spanned}
    known_words = set(_TOKEN.findall(evidence.lower()))
    common = _common_words()
    claims: list[Claim] = []
    for value in sorted(_numbers(answer)):
        if (value > _SMALL_COUNT or value != int(value)) and value not in known_numbers:
            claims.append(Claim("number", f"{value:g}"))
    seen = set()
    for match in _NAME.finditer(answer):
        word = re.sub(r"['’]s$", "", match.group(0))  # "Kim's" claims "Kim"
        lowered = word.lower()
        # A capital that only starts a sentence ("Happy to help") is grammar, not a name, unless a
        # capitalised word follows it ("Priya Raman joined").
        following = answer[match.end():match.end() + 2]
        if _SENTENCE_START.search(answer[:match.start()]) and not re.match(r"\s[A-Z]", following):
            continue
        if lowered in seen or lowered in known_words or lowered in common or any(c.isdigit() for c in word):
            continue
        parts = _TOKEN.findall(lowered)
        if parts and all(p in known_words or p in common for p in parts):
            continue
        seen.add(lowered)
        claims.append(Claim("name", word))
    return claims
