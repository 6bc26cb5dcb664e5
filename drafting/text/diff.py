"""Word-level diffs and patches between texts, with diff-match-patch.

Diffs are computed on words, not characters: each word, run of spaces and punctuation mark
(brackets and quotes included) is one token, so an edit never shows as "te[x→s]t". Scripts
written without spaces (Chinese, Japanese) are split per character. ``Diff_Timeout`` stays
set: two long unrelated texts would otherwise take minutes.
"""

import re
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

DIFF_TIMEOUT_SECONDS = 1.0
# How far a patch may drift from its text before it counts as not applying (0 exact, 1 any).
# diff-match-patch's default, 0.5, lands patches on unrelated sentences; 0.4 still follows
# text that earlier accepted changes moved or reworded around the change.
MATCH_THRESHOLD = 0.4
EDIT_COST_TOKENS = 4  # a word, a space, a word, a space

Operation = Literal["equal", "insert", "delete"]
_OPERATIONS: dict[int, Operation] = {0: "equal", 1: "insert", -1: "delete"}

# One token: a run of letters/digits (but each CJK/kana character alone), a run of spaces,
# or any other single character (punctuation, brackets, quotes, symbols).
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class DiffSegment:
    op: Operation
    text: str


@dataclass(frozen=True)
class PatchResult:
    """The text after applying a patch, and whether every hunk applied."""

    text: str
    hunks_applied: tuple[bool, ...]

    @property
    def applied(self) -> bool:
        """True only when every hunk applied: a partly applied patch is not applied."""
        return all(self.hunks_applied)


def _engine() -> diff_match_patch:
    engine = diff_match_patch()
    engine.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    engine.Match_Threshold = MATCH_THRESHOLD
    return engine


def tokenize(text: str) -> list[str]:
    """Split into words, spaces and single punctuation marks; joined they give the text."""
    return _TOKEN.findall(text)


def _words_to_chars(old: str, new: str) -> tuple[str, str, list[str]]:
    """Encode each distinct token as one character, as diff_linesToChars does for lines."""
    token_array: list[str] = [""]
    token_index: dict[str, int] = {}

    def encode(text: str) -> str:
        chars = []
        for token in tokenize(text):
            if token not in token_index:
                token_index[token] = len(token_array)
                token_array.append(token)
            chars.append(chr(token_index[token]))
        return "".join(chars)

    return encode(old), encode(new), token_array


def _word_diffs(old: str, new: str) -> list[tuple[int, str]]:
    engine = _engine()
    old_chars, new_chars, tokens = _words_to_chars(old, new)
    diffs = engine.diff_main(old_chars, new_chars, False)
    # Semantic cleanup measured in tokens would fold a shared phrase between two insertions
    # into a delete-and-reinsert ("Effective ~~control~~ [and] control ..."). Efficiency
    # cleanup only folds equalities shorter than the cost of an edit: stray "the" or "," in
    # unrelated texts, not a phrase a reader should see kept.
    engine.Diff_EditCost = EDIT_COST_TOKENS
    engine.diff_cleanupEfficiency(diffs)
    decoded = [(op, "".join(tokens[ord(char)] for char in chars)) for op, chars in diffs]
    return _merge(_refine_bracket_edits(_merge(decoded)))


def _refine_bracket_edits(diffs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Show a bracket change as just the brackets added or struck.

    Semantic cleanup folds "[b]" -> "b" into one deletion and one insertion; when the two
    differ only by brackets, diff them again token by token without cleanup.
    """
    refined: list[tuple[int, str]] = []
    index = 0
    while index < len(diffs):
        op, text = diffs[index]
        if op == -1 and index + 1 < len(diffs) and diffs[index + 1][0] == 1:
            inserted = diffs[index + 1][1]
            if only_brackets_changed(text, inserted):
                engine = _engine()
                old_chars, new_chars, tokens = _words_to_chars(text, inserted)
                for sub_op, chars in engine.diff_main(old_chars, new_chars, False):
                    refined.append((sub_op, "".join(tokens[ord(c)] for c in chars)))
                index += 2
                continue
        refined.append((op, text))
        index += 1
    return refined


def _merge(diffs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join neighbours with the same operation; drop empty ones."""
    merged: list[tuple[int, str]] = []
    for op, text in diffs:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def word_diff(old: str, new: str) -> list[DiffSegment]:
    """The word-level difference from ``old`` to ``new``.

    Invariants: the equal and delete segments joined give ``old``; the equal and insert
    segments joined give ``new``.
    """
    return [DiffSegment(_OPERATIONS[op], text) for op, text in _word_diffs(old, new)]


def old_text(segments: list[DiffSegment]) -> str:
    return "".join(s.text for s in segments if s.op != "insert")


def new_text(segments: list[DiffSegment]) -> str:
    return "".join(s.text for s in segments if s.op != "delete")


def make_patch(old: str, new: str) -> str:
    """The patch from ``old`` to ``new`` in diff-match-patch's text form (``patch_toText``)."""
    engine = _engine()
    patches = engine.patch_make(old, _word_diffs(old, new))
    return engine.patch_toText(patches)


def apply_patch(patch_text: str, text: str) -> PatchResult:
    """Apply a patch to ``text``, fuzzily where the text has moved.

    diff-match-patch may split one change into several hunks and apply only some: check
    :attr:`PatchResult.applied` before using the result.
    """
    engine = _engine()
    patches = engine.patch_fromText(patch_text)
    if not patches:
        return PatchResult(text, ())
    engine.patch_splitMax(patches)
    # The hunks as patch_apply will see them: it pads a copy at both ends of the text and
    # splits again, so a hunk near an end may become two (a 25-character word deleted at the
    # end of a text, say).
    hunks_seen = engine.patch_deepCopy(patches)
    engine.patch_addPadding(hunks_seen)
    engine.patch_splitMax(hunks_seen)
    # Words a hunk deletes must still be there, verbatim: deleting words that the text no
    # longer has would strike whatever replaced them (a chair's rewording, say).
    deletions_present = [
        all(chunk in text for op, chunk in patch.diffs if op == engine.DIFF_DELETE)
        for patch in hunks_seen
    ]
    result, hunks = engine.patch_apply(patches, text)
    applied = tuple(
        bool(hunk) and present for hunk, present in zip(hunks, deletions_present, strict=True)
    )
    return PatchResult(result if all(applied) else text, applied)


def only_brackets_changed(old: str, new: str) -> bool:
    """True when ``new`` differs from ``old`` only by ``[`` and ``]`` characters."""
    return old != new and old.replace("[", "").replace("]", "") == new.replace("[", "").replace(
        "]", ""
    )


def _extra_is_only_brackets(shorter: str, longer: str) -> bool:
    """``shorter`` is ``longer`` with some of its brackets taken out, nothing else."""
    position = 0
    for char in longer:
        if position < len(shorter) and char == shorter[position]:
            position += 1
        elif char not in "[]":
            return False
    return position == len(shorter) and len(longer) > len(shorter)


def brackets_added_only(old: str, new: str) -> bool:
    """``new`` is ``old`` with brackets added and nothing else changed."""
    return _extra_is_only_brackets(old, new)


def brackets_removed_only(old: str, new: str) -> bool:
    """``new`` is ``old`` with brackets removed and nothing else changed."""
    return _extra_is_only_brackets(new, old)
