"""Checks on text a delegate proposes, before it is stored. Plain Python.

Each problem comes back as a code with its parameters; the wording, in the user's language,
is in one place outside the text core (``drafting.messages``).
"""

import unicodedata
from dataclasses import dataclass, field

from drafting.text import brackets

MAX_ELEMENT_TEXT = 4_000  # a long operative paragraph is about 1,500 characters
MAX_RATIONALE = 2_000

# Explicit bidirectional formatting characters can make text read differently from what is
# stored (the "Trojan Source" trick); Arabic and Hebrew text never needs them typed in.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class TextProblem:
    code: str
    params: dict[str, object] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Unify line breaks and trim; an element is one block of text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def forbidden_character(text: str, *, allow_newlines: bool) -> tuple[int, str] | None:
    """The first control or bidi-override character, as (0-based position, U+ code)."""
    # Most text is printable throughout: ``isprintable`` is False only for "Other" (Cc, Cf,
    # Cs, Co, Cn: the bidi controls are Cf) and separators other than the space, and looks
    # at each character in C. Only text that fails it is walked in Python, for the position.
    allowed = text.replace("\t", "")
    if allow_newlines:
        allowed = allowed.replace("\n", "")
    if allowed.isprintable():
        return None
    for index, char in enumerate(text):
        if char == "\n" and allow_newlines:
            continue
        if char == "\t":
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"}:
            return index, f"U+{ord(char):04X}"
    return None


def _length_and_characters(
    text: str, *, max_length: int, allow_newlines: bool
) -> list[TextProblem]:
    problems: list[TextProblem] = []
    if len(text) > max_length:
        problems.append(TextProblem("too_long", {"length": len(text), "limit": max_length}))
    bad = forbidden_character(text, allow_newlines=allow_newlines)
    if bad is not None:
        position, code = bad
        problems.append(TextProblem("control_character", {"position": position + 1, "code": code}))
    return problems


def check_element_text(text: str, *, max_length: int = MAX_ELEMENT_TEXT) -> list[TextProblem]:
    """Problems with a proposed element text: empty, too long, stray characters, brackets."""
    if not text.strip():
        return [TextProblem("empty")]
    problems = _length_and_characters(text, max_length=max_length, allow_newlines=False)
    error = brackets.validate(text)
    if error is not None:
        problems.append(
            TextProblem(
                f"brackets_{error.code}",
                {"position": error.position + 1, "context": error.context},
            )
        )
    return problems


def check_note(text: str, *, max_length: int = MAX_RATIONALE) -> list[TextProblem]:
    """Problems with a rationale or note: too long or stray characters (may be empty)."""
    return _length_and_characters(text, max_length=max_length, allow_newlines=True)
