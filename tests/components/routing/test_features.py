"""Router features: the topic-word flags match their definition, stem by stem, in one regex scan."""

import random

import pytest

from components.routing.devset import load_dev_set
from components.routing.features import (
    _WORDS,
    LEXICON_RULES,
    LEXICONS,
    SHORTEST_PREFIX_STEM,
    RouterFeatures,
    _lexicon_flags,
    one_typo_apart,
)


def _flags_by_definition(query: str, rules: int = LEXICON_RULES) -> list[float]:
    """Each category: how many of its stems begin a word (a phrase may span words; under rules 2 a stem
    shorter than SHORTEST_PREFIX_STEM is a whole word or its plural), plus typo'd words (under rules 2 a
    letter dropped, added or swapped; under rules 1 any one edit)."""
    words = _WORDS.findall(query.lower())
    text = " " + " ".join(words) + " "
    short = SHORTEST_PREFIX_STEM if rules >= 2 else 0

    def found(stem: str) -> bool:
        if len(stem) < short:
            return f" {stem} " in text or f" {stem}s " in text
        return f" {stem}" in text

    def begins(stem: str, word: str) -> bool:
        return word in (stem, f"{stem}s") if len(stem) < short else word.startswith(stem)

    def typo(word: str, stem: str) -> bool:
        if rules >= 2:
            return one_typo_apart(word, stem)
        return bool(({word} | {word[:i] + word[i + 1:] for i in range(len(word))})
                    & ({stem} | {stem[:i] + stem[i + 1:] for i in range(len(stem))}))

    hits = [sum(map(found, stems)) for stems in LEXICONS.values()]
    for word in words:
        if len(word) < 5 or any(begins(stem, word) for stems in LEXICONS.values() for stem in stems):
            continue
        typo_of = {stem for stems in LEXICONS.values() for stem in stems
                   if " " not in stem and len(stem) >= 5 and typo(word, stem)}
        for category, stems in enumerate(LEXICONS.values()):
            hits[category] += bool(typo_of & set(stems))
    return [min(count, 3) / 3 for count in hits]


def _queries() -> list[str]:
    rng = random.Random(11)
    stems = [stem for stems in LEXICONS.values() for stem in stems]
    made = []
    for _ in range(3000):  # stems, their inflections, phrases cut short, repeats and one-letter typos
        query = " ".join(rng.choice([*stems, "the", "my", "x"]) + rng.choice(["", "s", "ing", "er", " "])
                         for _ in range(rng.randint(1, 8)))
        if rng.random() < 0.3:
            cut = rng.randrange(len(query))
            query = query[:cut] + query[cut + 1:]
        made.append(query)
    return [row["query"] for row in load_dev_set()] + made


@pytest.mark.parametrize("rules", [1, 2])
def test_topic_flags_equal_their_definition_on_the_dev_set_and_made_up_queries(rules):
    queries = _queries()
    assert any(max(_lexicon_flags(q, rules=rules)) == 1.0 for q in queries)  # the cap is exercised
    assert [q for q in queries if _lexicon_flags(q, rules=rules) != _flags_by_definition(q, rules)] == []


def test_a_router_fitted_under_older_rules_keeps_computing_them():
    """A router registered before the lexicon changed still routes as it did when it was evaluated."""
    from components.routing.train import build_lexicon

    rows = load_dev_set()
    features = RouterFeatures(lexicon=build_lexicon(), lexicon_weight=6.0).fit([(r["query"], "none") for r in rows])
    assert features.lexicon_rules_ == LEXICON_RULES == 2
    query = "Which Director of Store Operations roles are open in this category?"
    newer = features.dense_row(query, "profile")
    del features.lexicon_rules_  # as unpickled from an artifact fitted before the rules had versions
    older = features.dense_row(query, "profile")
    assert older != newer and older[-12:-5] == [6.0 * flag for flag in _lexicon_flags(query, rules=1)]


def test_every_stem_that_begins_a_word_counts_once_including_prefixes_of_longer_stems_and_phrases():
    def flags(query: str) -> dict[str, float]:
        return dict(zip(LEXICONS, _lexicon_flags(query), strict=True))

    assert flags("leader")["professional"] == 2 / 3  # "lead" and "leader" both begin the word
    assert flags("lie lying lie")["harm"] == 2 / 3  # two stems; a repeat counts once
    assert flags("my phone number")["personal_data"] == 1 / 3  # a phrase stem spans words
    assert flags("ssn")["personal_data"] == 1 / 3 and flags("lesson")["personal_data"] == 0  # only at a word start
    assert flags("cats")["lifestyle"] == 1 / 3 and flags("category")["lifestyle"] == 0  # a short stem is a word
    assert flags("an agency")["personal_data"] == 0 and flags("my age")["personal_data"] == 1 / 3


def test_a_typo_is_a_letter_dropped_added_or_swapped_not_replaced():
    assert one_typo_apart("recipe", "recipee") and one_typo_apart("phish", "phsih")
    assert one_typo_apart("weapn", "weapon")
    assert not one_typo_apart("store", "stole") and not one_typo_apart("stack", "stalk")  # other words, not typos
    assert not one_typo_apart("phish", "phish!!")


def test_a_word_the_network_spells_is_no_typo():
    """'Director of Store Operations' was declined: "store" read as a typo of "stole" (harm) and "story"."""
    assert _lexicon_flags("recpe") != [0.0] * len(LEXICONS)
    assert _lexicon_flags("recpe", spelled_right=frozenset({"recpe"})) == [0.0] * len(LEXICONS)
