"""Text → search tokens and query → terms: the one place that decides what a search finds (issue #14).

Pure functions, no database. Both engines (engine.py) store what `doc_tokens` makes and look up what
`term_tokens` makes, then confirm each candidate by substring in the normalised text, so SQLite and
PostgreSQL return exactly the same tickets.

* normalise: NFKC (full-width Ａ１ → A1, 全角 punctuation) and casefold; unpaired surrogates, NUL and
  private-use characters dropped (they cannot be stored or typed).
* CJK runs → every character and every pair of adjacent characters. A query of n ≥ 1 Chinese
  characters then needs its characters (n = 1) or all its pairs (n ≥ 2): every text that contains
  the query as a substring has them, so the candidates hold every LIKE '%…%' match (recall 100 %),
  and the substring check removes the rest.
* other letters and digits → words (e101, 0x80070005, pwr, 2310), plus the letter and digit parts of
  a mixed word (0x80070005 → 0, x, 80070005) so a query of the digits alone finds it; a query word is
  looked up as a prefix (e10 finds e101).
* phone numbers also give their last four digits.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 200  # longer queries are refused with a message (InvalidInput), never cut silently
MAX_TERMS = 8
# A stored word is cut to its first MAX_QUERY_CHARS characters: no query word is longer, and a query word
# matches from the start of a word (a prefix lookup), so nothing findable is lost. PostgreSQL refuses a
# lexeme over 2,047 bytes (a 20,000-letter "word" in a reply made the reply a 500).
WORD_MAX = MAX_QUERY_CHARS

_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, extension A, compatibility
    "\u3040-\u30ff"  # hiragana, katakana
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0003134f"  # extensions B…G
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
_SURROGATE_OR_PRIVATE = re.compile("[\ud800-\udfff\ue000-\uf8ff\x00]")
_MIXED_PARTS = re.compile(r"[^\W\d_]+|\d+")
# A letter/digit word: [^\W_] is exactly str.isalnum; in _TOKEN_RUN it stops where a CJK run starts.
_WORD = re.compile(r"[^\W_]+")
_TOKEN_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_PHONE = re.compile(r"\d{7,}")


def normalise(value: str) -> str:
    """NFKC + casefold, without the characters no one can search for; whitespace runs become one space."""
    if not value:
        return ""
    value = _SURROGATE_OR_PRIVATE.sub("", value)
    if not unicodedata.is_normalized("NFKC", value):  # most text already is: the check is much cheaper
        value = unicodedata.normalize("NFKC", value)
    value = value.casefold()
    return " ".join(value.split())


def _words(segment: str):
    """The letter/digit runs of a non-CJK segment ("pwr-2310" → pwr, 2310)."""
    return _WORD.findall(segment)


def _split(normalised: str):
    """(is_cjk, run) pieces in order: CJK runs and the text between them."""
    pos = 0
    for match in _CJK_RUN.finditer(normalised):
        if match.start() > pos:
            yield False, normalised[pos:match.start()]
        yield True, match.group()
        pos = match.end()
    if pos < len(normalised):
        yield False, normalised[pos:]


def doc_tokens(value: str, *, phone: bool = False) -> set[str]:
    """Every token stored for one normalised text (see the module docstring).

    One regular expression walks the text (the tokenizer is most of what indexing a ticket costs):
    each match is a CJK run or a letter/digit word outside them."""
    tokens: set[str] = set()
    for cjk, word in _TOKEN_RUN.findall(value):
        if cjk:
            tokens.update(cjk)
            if len(cjk) > 1:
                tokens.update(map(str.__add__, cjk, cjk[1:]))  # the adjacent pairs
            continue
        tokens.add(word[:WORD_MAX])
        # A word of letters only or digits only is its own one part.
        if not word.isalpha() and not word.isdecimal():
            parts = _MIXED_PARTS.findall(word)
            if len(parts) > 1:
                tokens.update(part[:WORD_MAX] for part in parts)
    if phone:
        for number in _PHONE.findall(value):
            tokens.add(number[-4:])
    return tokens


class Lookup:
    """One token a term needs: `prefix` True for a word that may go on in the text (e10 → e101)."""

    __slots__ = ("token", "prefix")

    def __init__(self, token: str, prefix: bool):
        self.token, self.prefix = token, prefix

    def __eq__(self, other):
        return isinstance(other, Lookup) and (self.token, self.prefix) == (other.token, other.prefix)

    def __hash__(self):
        return hash((self.token, self.prefix))

    def __repr__(self):
        return f"{self.token}{'*' if self.prefix else ''}"


def term_tokens(term: str) -> list[Lookup]:
    """The tokens a normalised term needs, all of them (AND); empty if the term has no letter or digit."""
    lookups: list[Lookup] = []
    for is_cjk, run in _split(term):
        if is_cjk:
            if len(run) == 1:
                lookups.append(Lookup(run, False))
            else:
                lookups.extend(Lookup(run[i:i + 2], False) for i in range(len(run) - 1))
            continue
        # A word may go on in the text (e10 → e101); one letter or digit alone is looked up whole, as a
        # prefix it would expand to half the index.
        lookups.extend(Lookup(word, len(word) > 1) for word in _words(run))
    seen, unique = set(), []
    for lookup in lookups:
        if lookup not in seen:
            seen.add(lookup)
            unique.append(lookup)
    return unique


def terms(query: str) -> list[str]:
    """The normalised, whitespace-separated terms of a query that can be looked up (at most MAX_TERMS).

    Characters that are neither letters nor digits separate nothing inside a term ("PWR-2310" stays one
    term and is confirmed as that substring) but a term made only of them ("*", "-", '"') is dropped:
    it cannot be looked up, and search syntax means nothing here (every term is plain text).
    """
    found = []
    for term in normalise(query).split(" "):
        term = term.strip("\"'*()+-~^:")
        if term and term_tokens(term) and term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def has_cjk(value: str) -> bool:
    return bool(_IS_CJK.search(value))
