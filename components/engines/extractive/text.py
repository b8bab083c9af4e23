"""The extractive engine's reading of text: sentences, content words, what a passage says most."""

from __future__ import annotations

import re

__all__ = ["RANKS", "central", "mentions", "on_topic", "relevant", "role", "split_sentences", "words"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z#\"'])")
_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = frozenset("a an and are as at be by for from has have i in is it of on or our that the this to was we "
                  "were what with you your".split())

# Words that say how a question asks, not what about: an article sharing only these is on another subject.
_ASKING = frozenset("how do does did can could should would will why when where which who whom whose get make good "
                    "best usually typical mean means difference between tell know explain define say says article "
                    "articles read reading guide guides source sources me my give show help want need based "
                    "any some".split())


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
    """Up to k whole sentences of an article's opening that answer the question, in their order.

    The first is the sentence sharing most words with the question; among those sharing as many, the one
    sharing most with the title (what the piece is about), then with the rest of the opening, then the one
    saying most: a framing line ("Recruiters in Toronto shared what they see most often.") shares little
    with any and says little. The others are further sentences on the question (sharing at least half as
    many of its words), then the sentences after the first, which go on with its point (a framing line
    that happens to share the title's words does not). Words match by their first five letters
    ("startups", "startup"), and how a question asks ("how", "good") is no match. A snippet stops at its
    length: a last sentence cut mid-word is left out, and one cut at a word ("…") is quoted only when no
    whole sentence shares a word with the question and it still holds six words ("A performance review…"
    says nothing).
    """
    sentences = split_sentences(snippet)
    whole = [s for s in sentences if s.endswith((".", "!", "?", '"', "'", "…"))] or [f"{snippet.rstrip()}…"]
    asked, about = _subject(query), {_root(w) for w in words(title)}
    bags = [words(s) for s in whole]
    roots = [{_root(w) for w in bag} for bag in bags]
    score = [(len(roots[i] & asked), len(roots[i] & about),
              sum(len(bag & other) for j, other in enumerate(bags) if j != i), len(bag))
             for i, bag in enumerate(bags)]
    complete = [i for i, s in enumerate(whole) if not s.endswith("…")]
    cut = [i for i in range(len(whole)) if i not in complete and len(whole[i].split()) >= 6]  # "A performance review…"
    pool = ([i for i in complete if score[i][0]] or [i for i in cut if score[i][0]]
            or [i for i in complete if score[i][1]] or list(range(len(whole))))
    first = max(pool, key=lambda i: score[i])
    # a sentence sharing one word of a question the first shares three with is about something else
    # ("We spoke with hiring managers at Byteworks Systems" beside "What is an applicant tracking system?")
    enough = max(1, -(-score[first][0] // 2))
    on_question = sorted((i for i in pool if i != first and score[i][0] >= enough), key=lambda i: score[i],
                         reverse=True)
    following = [i for i in complete if i > first and i not in on_question]
    return [whole[i] for i in sorted([first, *(on_question + following)[:k - 1]])]


def on_topic(text: str, query: str) -> int | None:
    """How many words of the question's subject `text` shares (by their first five letters, so typos late
    in a word still match): 0 for none, None when the question has no subject words ("tips?")."""
    asked = _subject(query)
    return len(asked & {_root(w) for w in words(text)}) if asked else None


def _subject(query: str) -> set[str]:
    """The roots of what a question asks about, less how it asks."""
    return {_root(w) for w in words(query) - _ASKING}


def _root(word: str) -> str:
    """A word's first five letters, less a plural's "s": "network", "networking" and "networks" are one
    subject, and so are "band" and "bands"."""
    return (word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)[:5]
