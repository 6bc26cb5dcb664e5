"""Search words: reading a query, matching it without a search engine, and cutting a
snippet around the words found. Plain Python, no ORM.

PostgreSQL does the matching in production (its English full-text search, which stems:
"weapons" finds "weapon"); the embedded demo database matches with :func:`matches`.
Either way the snippet and its highlights come from here, from the text as stored: the
template escapes each piece, so nothing a delegation typed becomes markup.
"""

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
SNIPPET_WORDS = 40

_WORD = re.compile(r"\w+", re.UNICODE)
# Crude English endings, only to decide what to highlight and to match on the demo
# database; PostgreSQL's stemmer decides what is found in production.
_ENDINGS = ("ing", "ies", "es", "ed", "ly", "s")
# Words of websearch syntax that are not search terms.
_OPERATORS = frozenset({"or", "and", "not"})


@dataclass(frozen=True)
class Segment:
    text: str
    found: bool


def _fold(word: str) -> str:
    """Lower case without accents: "Côte" and "cote" are the same word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stem(word: str) -> str:
    folded = _fold(word)
    for ending in _ENDINGS:
        if len(folded) > len(ending) + 2 and folded.endswith(ending):
            return folded[: -len(ending)]
    return folded


def terms(query: str) -> list[str]:
    """The words to look for (stems, at most :data:`MAX_TERMS`), without quotes, minus
    signs or the words OR/AND/NOT; excluded words (``-word``) are not looked for."""
    found: list[str] = []
    for raw in query[:MAX_QUERY_LENGTH].split():
        if raw.startswith("-") or raw.casefold() in _OPERATORS:
            continue
        for word in _WORD.findall(raw):
            stemmed = stem(word)
            if stemmed and stemmed not in found:
                found.append(stemmed)
    return found[:MAX_TERMS]


def excluded(query: str) -> list[str]:
    """The stems of words the query excludes with a minus sign (``-ammunition``)."""
    return [
        stem(word)
        for raw in query[:MAX_QUERY_LENGTH].split()
        if raw.startswith("-")
        for word in _WORD.findall(raw)
    ]


def _stems(text: str) -> set[str]:
    return {stem(word) for word in _WORD.findall(text)}


def matches(text: str, wanted: list[str], unwanted: list[str] | None = None) -> bool:
    """Whether ``text`` has every wanted word and none of the unwanted ones (by stem)."""
    present = _stems(text)
    return all(term in present for term in wanted) and not any(
        term in present for term in unwanted or []
    )


def snippet(text: str, wanted: list[str], words: int = SNIPPET_WORDS) -> list[Segment]:
    """About ``words`` words of ``text`` around the first word found, split into pieces
    that are found words or not (for highlighting); the whole text when it is short."""
    spans = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    hits = [i for i, (start, end) in enumerate(spans) if stem(text[start:end]) in wanted]
    first = hits[0] if hits else 0
    begin = max(0, first - words // 4)
    end = min(len(spans), begin + words)
    begin = max(0, min(begin, end - words))
    if not spans:
        return [Segment(text, False)] if text else []
    start_char = 0 if begin == 0 else spans[begin][0]
    end_char = len(text) if end >= len(spans) else spans[end - 1][1]
    segments: list[Segment] = []
    if start_char > 0:
        segments.append(Segment("… ", False))
    cursor = start_char
    for index in hits:
        start, stop = spans[index]
        if start < start_char or stop > end_char:
            continue
        if start > cursor:
            segments.append(Segment(text[cursor:start], False))
        segments.append(Segment(text[start:stop], True))
        cursor = stop
    if cursor < end_char:
        segments.append(Segment(text[cursor:end_char], False))
    if end_char < len(text):
        segments.append(Segment(" …", False))
    return segments
