"""Per-row text features with polars expressions: the shapes a dev set and production can differ in.

Every feature is computed for `query` and `response`: length (characters, words), casing (upper-case
share, starts lower-case), punctuation share, ends with '?', out-of-vocabulary rate (lower-case words
not in the reference vocabulary: typos and sloppy typing; capitalised words are names and are left
out, so new companies or people do not count), emoji share, non-letter share, English (share of very
common English words), format shape (JSON, list, markdown emphasis or headers, code) and empty input.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import polars as pl

__all__ = ["BINARY_FEATURES", "CONTINUOUS_FEATURES", "TEXT_COLUMNS", "add_features", "name_words", "vocabulary"]

TEXT_COLUMNS = ("query", "response")
_DATA = Path(__file__).resolve().parents[2] / "data"
_ENGLISH = ["the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "is", "are", "be", "you", "your",
            "it", "this", "that", "as", "at", "by", "from", "can", "will", "have", "has", "not", "what", "how", "i",
            "my", "me", "do", "does", "which", "who", "about"]
_EMOJI = r"[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}\x{1F000}-\x{1F2FF}]"
CONTINUOUS_FEATURES = ("chars", "words", "upper_share", "punct_share", "oov_rate", "emoji_share", "nonletter_share",
                       "english_share")
BINARY_FEATURES = ("starts_lower", "ends_question", "is_json", "has_list", "has_markdown", "has_code", "is_empty")


def _lower_words(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.extract_all(r"\b[a-z][a-z']+\b")


@lru_cache(maxsize=1)
def vocabulary(min_count: int = 2) -> pl.Series:
    """Lower-case words written at least `min_count` times in the shipped network texts, prompts and clean
    dev-set queries: a lexicon fixed in advance, so neither sample defines what counts as a typo."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(_DATA.glob("network/*.jsonl"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((_DATA.parent / "mlflow" / "prompts").glob("*.yaml"))]
    dev = pl.read_ndjson(_DATA / "routing" / "dev_set.jsonl")
    # clean dev-set questions, their first letter lower-cased: that capital starts a sentence ("Which ..."),
    # the others are names ("Has Pulsepoint Therapeutics had any big announcements?"), not words
    clean = dev.filter(pl.col("noise").list.len() == 0).select(
        pl.col("query").str.head(1).str.to_lowercase() + pl.col("query").str.slice(1))["query"]
    texts.append("\n".join(clean.to_list()) * 2)
    texts.append(" ".join(_ENGLISH) * 2)
    words = pl.DataFrame({"text": texts}).select(pl.col("text").str.extract_all(r"\b[a-z][a-z']+\b")).explode("text")
    counts = words.drop_nulls().group_by("text").len()
    return counts.filter(pl.col("len") >= min_count)["text"]


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """The words of the network's company and member names that are not lexicon words, lower-cased:
    "curapeak", "priya", not "health". A member typing in lower case still names them."""
    names = []
    for file, keys in (("companies", ("name",)), ("members", ("first_name", "last_name"))):
        for line in (_DATA / "network" / f"{file}.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            names += [record[key] for key in keys]
    words = {w for name in names for w in name.lower().replace("-", " ").split() if w.isalpha()}
    return frozenset(words - set(vocabulary().to_list()))


def add_features(frame: pl.DataFrame, vocab: pl.Series | None = None) -> pl.DataFrame:
    """`frame` with `<column>.<feature>` columns for every text column it has."""
    vocab = vocabulary() if vocab is None else vocab
    expressions = []
    for column in TEXT_COLUMNS:
        if column not in frame.columns:
            continue
        text = pl.col(column).fill_null("")
        chars = text.str.len_chars()
        letters = text.str.count_matches(r"\p{L}")
        safe = pl.max_horizontal(chars, pl.lit(1))
        words = text.str.count_matches(r"\S+")
        lower = _lower_words(column)
        english = text.str.to_lowercase().str.extract_all(r"\b[a-z]+\b")
        stripped = text.str.strip_chars()
        prefix = f"{column}."
        expressions += [
            chars.cast(pl.Float64).alias(prefix + "chars"),
            words.cast(pl.Float64).alias(prefix + "words"),
            (text.str.count_matches(r"\p{Lu}") / pl.max_horizontal(letters, pl.lit(1))).alias(prefix + "upper_share"),
            (text.str.count_matches(r"\p{P}") / safe).alias(prefix + "punct_share"),
            (lower.list.eval(pl.element().is_in(vocab.implode()).not_()).list.sum()
             / pl.max_horizontal(lower.list.len(), pl.lit(1))).alias(prefix + "oov_rate"),
            (text.str.count_matches(_EMOJI) / safe).alias(prefix + "emoji_share"),
            ((chars - letters - text.str.count_matches(r"\s")) / safe).alias(prefix + "nonletter_share"),
            (english.list.eval(pl.element().is_in(_ENGLISH)).list.sum()
             / pl.max_horizontal(english.list.len(), pl.lit(1))).alias(prefix + "english_share"),
            stripped.str.contains(r"^\p{Ll}").alias(prefix + "starts_lower"),
            stripped.str.ends_with("?").alias(prefix + "ends_question"),
            (stripped.str.starts_with("{") & stripped.str.ends_with("}")
             | stripped.str.starts_with("[") & stripped.str.ends_with("]")).alias(prefix + "is_json"),
            text.str.contains(r"(?m)^\s*(?:[-*•]|\d+[.)])\s+\S").alias(prefix + "has_list"),
            text.str.contains(r"\*\*[^*]+\*\*|(?m)^#{1,6}\s").alias(prefix + "has_markdown"),
            text.str.contains(r"```|(?m)^ {4}\S").alias(prefix + "has_code"),
            (stripped.str.len_chars() == 0).alias(prefix + "is_empty"),
        ]
    return frame.with_columns(expressions)
