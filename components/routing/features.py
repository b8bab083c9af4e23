"""Router features: the query's words and characters, the page context, and what the network knows.

Character n-grams make the router robust to the typos members type; the context type says where the
member is (a job page makes "am I a fit" likely); network-knowledge flags say whether the query names a
known company, role, skill or member, which separates "what does Stackpeak Labs do" from chit-chat
without the model memorising every company name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from components.names import CONTEXT_TYPES

__all__ = ["NetworkLexicon", "RouterFeatures", "RouterInput", "word_features"]

RouterInput = tuple[str, ...]  # (query, context_type), or with the previous agent after them (read by position)
CONTEXTS = CONTEXT_TYPES  # their order is a fitted router's feature columns
_WORDS = re.compile(r"[a-z0-9']+")


class NetworkLexicon:
    """Lower-cased names the network knows, matched as whole word sequences."""

    def __init__(self, companies: Iterable[str], roles: Iterable[str], skills: Iterable[str],
                 people: Iterable[str]) -> None:
        self.kinds = {
            "company": self._phrases(companies) | self._phrases(c.split()[0] for c in companies),
            "role": self._phrases(roles),
            "skill": self._phrases(skills),
            "person": self._phrases(people),
        }
        self._longest = max(len(p) for phrases in self.kinds.values() for p in phrases)
        # Words the network spells are no typos: "store" of "Director of Store Operations" read as "stole"
        # and "story" made a career question a harmful lifestyle one.
        self.words = frozenset(word for phrases in self.kinds.values() for phrase in phrases for word in phrase)

    @staticmethod
    def _phrases(names: Iterable[str]) -> set[tuple[str, ...]]:
        return {tuple(_WORDS.findall(n.lower())) for n in names if _WORDS.findall(n.lower())}

    def flags(self, query: str) -> list[float]:
        words = _WORDS.findall(query.lower())
        grams = {tuple(words[i:i + n]) for n in range(1, self._longest + 1) for i in range(len(words) - n + 1)}
        return [1.0 if grams & phrases else 0.0 for phrases in self.kinds.values()]


# Category lexicons, written from policy categories (what a trust team lists), not from dev-set errors.
# Matched on word prefixes so inflections count ("hacking", "stolen" aside). Each category is one
# feature, which lets the router generalise to off-topic words it never saw in a training query.
LEXICONS: dict[str, tuple[str, ...]] = {
    "personal_data": ("address", "phone number", "cell number", "mobile number", "personal email",
                      "private email", "email address", "ssn", "social security", "passport", "birthday",
                      "age", "married", "dating", "pregnan", "health", "medical", "sexual", "orientation",
                      "gay", "religio", "ethnic", "race", "home", "private", "earns", "salary of",
                      "live", "lives", "family", "kids", "wife", "husband", "girlfriend", "boyfriend"),
    "harm": ("hack", "steal", "stole", "malware", "virus", "keylog", "phish", "bomb", "weapon", "gun", "kill",
             "revenge", "threat", "stalk", "fake", "forge", "forged", "counterfeit", "cheat", "lie", "lying",
             "launder", "evade", "evasion", "fraud", "scam", "spy", "drug", "poison", "attack", "rumor", "ddos"),
    "lifestyle": ("diet", "calorie", "weight", "workout", "gym", "recipe", "cook", "dinner", "lunch", "pizza",
                  "restaurant", "wine", "beer", "movie", "film", "song", "music", "poem", "story", "joke",
                  "game", "chess", "football", "soccer", "match", "sport", "weather", "vacation", "holiday",
                  "flight", "hotel", "wedding", "skincare", "makeup", "shoes", "fashion", "pet", "cat", "dog",
                  "horoscope", "zodiac", "astrology", "love", "romance", "medication", "capital of"),
    "speculation": ("crypto", "bitcoin", "ethereum", "coin", "stock tip", "stocks", "lottery", "gamble",
                    "betting", "casino", "forex"),
    "politics": ("politic", "election", "vote", "president", "party", "abortion", "god", "bible", "church",
                 "true religion", "immigration"),
    "jailbreak": ("ignore", "disregard", "forget", "pretend", "system prompt", "instructions", "jailbreak",
                  "developer mode", "no rules", "without filter", "unfiltered", "override", "reveal",
                  "verbatim", "dan", "role play", "roleplay", "act as", "confidential", "password", "prompt"),
    "professional": ("job", "role", "position", "career", "resume", "cv", "interview", "hiring", "hire",
                     "recruit", "salary", "offer", "promot", "manager", "skill", "experience", "profile",
                     "company", "team", "work", "apply", "application", "applicant", "post", "author",
                     "takeaway", "summar", "industry", "network", "linkedin", "certif", "degree", "mentor",
                     "negotiat", "headline", "employ", "colleague", "coworker", "boss", "meeting", "feedback",
                     "workplace", "assignment", "onboard", "remote", "hybrid", "performance", "review",
                     "bonus", "equity", "leader", "lead", "freelanc", "contract", "internship", "layoff"),
}


SHORTEST_PREFIX_STEM = 4  # shorter stems match a whole word or its plural only


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _fuzzy_index() -> dict[str, set[str]]:
    """Stem variants within one deletion -> stems: a symmetric-delete index for typo tolerance."""
    index: dict[str, set[str]] = {}
    for stems in LEXICONS.values():
        for stem in stems:
            if " " in stem or len(stem) < 5:
                continue
            for variant in {stem} | _deletes(stem):
                index.setdefault(variant, set()).add(stem)
    return index


def one_typo_apart(word: str, stem: str) -> bool:
    """A letter dropped, doubled (any letter added) or two neighbours swapped: the typos members make.
    Not a letter replaced, which makes other words of the language: "store" is not "stole" or "story",
    "stack" not "stalk"."""
    if abs(len(word) - len(stem)) == 1:
        short, long = sorted((word, stem), key=len)
        return short in _deletes(long)
    if len(word) != len(stem):
        return False
    differ = [i for i, (a, b) in enumerate(zip(word, stem, strict=True)) if a != b]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and word[differ[0]] == stem[differ[1]] and word[differ[1]] == stem[differ[0]])


_FUZZY = _fuzzy_index()


def _stem_matchers(whole_short_words: bool = True) -> tuple[re.Pattern, dict[str, list[str]], dict[str, list[int]],
                                                            re.Pattern]:
    """What `_lexicon_flags` needs to match every stem in one regex scan instead of a loop per stem.

    The scan finds, at each word start, the longest stem that begins there. Every stem that begins
    there is a prefix of that one, so its entry in `prefixes` names all of them; `categories` gives
    each stem's categories, once per listing. Single words are matched against the stems without a space.
    About 5x faster than testing each stem in turn (17 against 86 us a query), for routing and training.
    """
    categories: dict[str, list[int]] = {}
    for category, stems in enumerate(LEXICONS.values()):
        for stem in stems:
            categories.setdefault(stem, []).append(category)
    longest_first = sorted(categories, key=len, reverse=True)
    def whole_word(stem: str) -> bool:  # a stem this short names a word: "cat" began "category", "age" "agency"
        return whole_short_words and len(stem) < SHORTEST_PREFIX_STEM

    def pattern(stem: str) -> str:
        return re.escape(stem) + ("(?=s? )" if whole_word(stem) else "")

    at_word_start = re.compile(" (?=(" + "|".join(map(pattern, longest_first)) + "))")
    prefixes = {stem: [stem] if whole_word(stem) else
                [other for other in categories if stem.startswith(other) and not whole_word(other)]
                for stem in categories}
    one_word = re.compile("|".join(pattern(stem).replace(" ", "$") for stem in longest_first if " " not in stem))
    return at_word_start, prefixes, categories, one_word


# Lexicon rules by version. A fitted RouterFeatures records the version it was trained with and keeps
# computing it, so a router registered before a change routes as it did when it was evaluated.
# 1: every stem a prefix, a typo any one-letter edit. 2: short stems whole words, no replaced letters,
# words the network spells never typos.
LEXICON_RULES = 2
_MATCHERS = {1: _stem_matchers(whole_short_words=False), 2: _stem_matchers()}
_STEM_CATEGORIES = _MATCHERS[LEXICON_RULES][2]


def _lexicon_flags(query: str, spelled_right: frozenset[str] = frozenset(), rules: int = LEXICON_RULES) -> list[float]:
    """Per category, how many of its stems begin a word of the query, and how many words are a typo of one,
    under `rules` (see LEXICON_RULES); `spelled_right` words are never taken for typos."""
    at_word_start, prefixes, _, one_word_stem = _MATCHERS[rules]
    words = _WORDS.findall(query.lower())
    text = " " + " ".join(words) + " "
    found = {stem for longest in at_word_start.findall(text) for stem in prefixes[longest]}
    hits = [0] * len(LEXICONS)
    for stem in found:  # each stem counts once however often it occurs: `f" {stem}" in text`
        for category in _STEM_CATEGORIES[stem]:
            hits[category] += 1
    for word in words:
        if len(word) < 5 or word in spelled_right:
            continue
        # Whole words only: fuzzy prefixes match too much ("store" would become "story").
        if one_word_stem.match(word):
            continue  # counted exactly above
        stems = set().union(*(_FUZZY.get(variant, ()) for variant in _deletes(word) | {word}))
        fuzzy = {category for stem in stems if rules < 2 or one_typo_apart(word, stem)
                 for category in _STEM_CATEGORIES[stem]}
        for category in fuzzy:
            hits[category] += 1
    return [min(count, 3) / 3 for count in hits]


def _shape(query: str) -> list[float]:
    letters = sum(ch.isalpha() for ch in query)
    words = query.split()
    vowels = sum(ch in "aeiouy" for ch in query.lower())
    return [
        min(len(words), 30) / 30,
        letters / max(len(query), 1),
        vowels / max(letters, 1),
        1.0 if "?" in query else 0.0,
        1.0 if not any(ch.isalpha() for ch in query) else 0.0,
    ]


class RouterFeatures(BaseEstimator, TransformerMixin):
    def __init__(self, lexicon: NetworkLexicon | None = None, context_weight: float = 1.0,
                 lexicon_weight: float = 1.0) -> None:
        self.lexicon = lexicon
        self.context_weight = context_weight
        self.lexicon_weight = lexicon_weight

    def fit(self, inputs: Sequence[RouterInput], y: object = None) -> RouterFeatures:
        queries = [row[0] for row in inputs]
        self.words_ = TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True, min_df=1,
                                      token_pattern=r"(?u)\b\w+\b").fit(queries)
        self.chars_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                      min_df=2).fit(queries)
        self.lexicon_rules_ = LEXICON_RULES
        return self

    def transform(self, inputs: Sequence[RouterInput]) -> sparse.csr_matrix:
        queries = [row[0] for row in inputs]
        dense = [self.dense_row(row[0], row[1]) for row in inputs]
        return sparse.hstack([self.words_.transform(queries), self.chars_.transform(queries),
                              sparse.csr_matrix(np.asarray(dense))]).tocsr()

    def dense_row(self, query: str, context: str) -> list[float]:
        """The features after the two TF-IDF blocks: context, known names, topic words, shape."""
        one_hot = [self.context_weight if context == c else 0.0 for c in CONTEXTS]
        rules = getattr(self, "lexicon_rules_", 1)  # a router fitted before the rules had versions: 1
        return one_hot + word_features(query, self.lexicon, self.lexicon_weight, rules)


def word_features(query: str, lexicon: NetworkLexicon | None, lexicon_weight: float, rules: int) -> list[float]:
    """What a query's words say beside a model's view of them: the names the network knows, the policy
    categories' counts (under lexicon `rules`) and the query's shape. Both routers' features end with these."""
    known = lexicon.flags(query) if lexicon else []
    spelled_right = getattr(lexicon, "words", frozenset()) if rules >= 2 else frozenset()
    categories = [lexicon_weight * flag for flag in _lexicon_flags(query, spelled_right, rules)]
    return known + categories + _shape(query)
