"""The extractive engine's reading of text: sentences, content words, what a passage says most."""

from __future__ import annotations

import re

__all__ = ["RANKS", "central", "mentions", "relevant", "role", "split_sentences", "words"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z#\"'])")
_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = frozenset("a an and are as at be by for from has have i in is it of on or our that the this to was we "
                  "were what with you your".split())


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def central(sentences: list[str], k: int) -> list[str]:
    """The k sentences sharing the most words with the others, in their original order."""
    bags = [words(s) for s in sentences]
    scores = [sum(len(bag & other) / (len(bag | other) or 1) for j, other in enumerate(bags) if j != i)
              for i, bag in enumerate(bags)]
    best = sorted(sorted(range(len(sentences)), key=lambda i: -scores[i])[:k])
    return [sentences[i] for i in best]


def mentions(text: str, phrase: str) -> bool:
    """`phrase` as words of `text`: the skill "R" is not in "experience", nor "Go" in "Google"."""
    return re.search(rf"(?<![\w+#]){re.escape(phrase)}(?![\w+#])", text, re.IGNORECASE) is not None


# Words that say how senior a role is, not what it is: a junior program manager is no fit for a senior data
# engineer role because both titles hold a rank.
RANKS = frozenset("junior senior lead principal staff head chief associate intern entry mid director".split())


def role(title: str) -> frozenset[str]:
    """What a title says the work is, rank aside: "Senior Machine Learning Engineer" is a machine learning engineer."""
    return frozenset(words(title) - RANKS)


def relevant(snippet: str, query: str, k: int, title: str = "") -> list[str]:
    """The k whole sentences of an article's opening that share most words with the question, in order.

    A snippet may stop mid-word at its length: such a last sentence is left out while a whole one remains
    (one cut at a word, with an ellipsis, stays). Among sentences sharing as much with the question, the
    one sharing most with the title (what the piece is about), then with the rest of the opening, then the
    one saying most, wins: a framing line ("Recruiters in Toronto shared what they see most often.") shares
    little with any and says little. Past the first, a sentence sharing nothing with the question or the
    title is left out.
    """
    sentences = split_sentences(snippet)
    whole = [s for s in sentences if s.endswith((".", "!", "?", '"', "'", "…"))] or [f"{snippet.rstrip()}…"]
    asked, about = words(query), {_root(w) for w in words(title)}
    bags = [words(s) for s in whole]
    score = [(len(bag & asked), len({_root(w) for w in bag} & about),
              sum(len(bag & other) for j, other in enumerate(bags) if j != i), len(bag))
             for i, bag in enumerate(bags)]
    ranked = sorted(range(len(whole)), key=lambda i: score[i], reverse=True)
    # beyond the first, only sentences on the question or the piece's subject
    chosen = sorted([ranked[0]] + [i for i in ranked[1:k] if score[i][0] or score[i][1]])
    return [whole[i] for i in chosen]


def _root(word: str) -> str:
    """A word's first five letters: "network", "networking" and "networks" are one subject."""
    return word[:5]
