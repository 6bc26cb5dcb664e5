"""Word-level diffs and patches between texts, with diff-match-patch.

Diffs are computed on words, not characters: each word, run of spaces and punctuation mark
(brackets and quotes included) is one token, so an edit never shows as "te[x→s]t". Scripts
written without spaces (Chinese, Japanese) are split per character. ``Diff_Timeout`` stays
set: two long unrelated texts would otherwise take minutes.
"""

import re
from dataclasses import dataclass
from enum import StrEnum, nonmember

from diff_match_patch import diff_match_patch, patch_obj

DIFF_TIMEOUT_SECONDS = 1.0
# How far a patch may drift from its text before it counts as not applying (0 exact, 1 any).
# diff-match-patch's default, 0.5, lands patches on unrelated sentences; 0.4 still follows
# text that earlier accepted changes moved or reworded around the change.
MATCH_THRESHOLD = 0.4
EDIT_COST_TOKENS = 4  # a word, a space, a word, a space
# What diff-match-patch pads a text with while patching, so that its ends have context.
_PADDING = "".join(chr(code) for code in range(1, diff_match_patch().Patch_Margin + 1))


class Operation(StrEnum):
    """What a diff segment does to the older text."""

    # Or a Django template given the class (drafting/render/enums.py) calls it.
    do_not_call_in_templates = nonmember(True)

    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


_OPERATIONS: dict[int, Operation] = {
    0: Operation.EQUAL,
    1: Operation.INSERT,
    -1: Operation.DELETE,
}

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
    return "".join(s.text for s in segments if s.op != Operation.INSERT)


def new_text(segments: list[DiffSegment]) -> str:
    return "".join(s.text for s in segments if s.op != Operation.DELETE)


def make_patch(old: str, new: str) -> str:
    """The patch from ``old`` to ``new`` in diff-match-patch's text form (``patch_toText``)."""
    return _patch_text(old, _word_diffs(old, new))


def patch_and_word_diff(old: str, new: str) -> tuple[str, list[DiffSegment]]:
    """:func:`make_patch` and :func:`word_diff` of ``old`` and ``new`` together, the words
    compared once (a proposal stores both)."""
    diffs = _word_diffs(old, new)
    return _patch_text(old, diffs), [DiffSegment(_OPERATIONS[op], text) for op, text in diffs]


def _patch_text(old: str, diffs: list[tuple[int, str]]) -> str:
    engine = _engine()
    text: str = engine.patch_toText(engine.patch_make(old, diffs))
    return text


def apply_patch(patch_text: str, text: str) -> PatchResult:
    """Apply a patch to ``text``, fuzzily where the text has moved, strictly where it changed.

    Each hunk is located as diff-match-patch's ``patch_apply`` locates it (``match_main``
    near where the previous hunk landed, its text allowed to differ by up to
    ``MATCH_THRESHOLD``), but each change in it applies only where the current text holds,
    at the place matched:

    - exactly the words the change deletes (words a proposal deletes that are no longer
      there would strike whatever replaced them: a chair's rewording, say);
    - on one side of the change at least, its context exactly as the proposal saw it, and
      on the other side within ``MATCH_THRESHOLD`` (see :func:`_context_holds`);
    - whole words: every deletion and insertion starts and ends between tokens, so none
      strikes part of a word or glues onto one.

    A patch applies only when every hunk applied; otherwise :attr:`PatchResult.applied` is
    False and the text is returned unchanged (a conflict for a person to resolve).
    """
    engine = _engine()
    patches = engine.patch_fromText(patch_text)
    if not patches:
        return PatchResult(text, ())
    exact = _applied_where_made(engine, patches, text)
    if exact is not None:
        return PatchResult(exact, (True,) * len(patches))
    engine.patch_splitMax(patches)
    # As patch_apply does: pad both ends of the text (so hunks at an end have context to
    # match) and split again, so a hunk near an end may become two.
    hunks = engine.patch_deepCopy(patches)
    padding = engine.patch_addPadding(hunks)
    engine.patch_splitMax(hunks)
    padded = padding + text + padding
    # The text being patched, one character a slot, each with where it came from: its index
    # in ``padded``, or -1 - h for a character that hunk h inserted.
    chars, origins = list(padded), list(range(len(padded)))
    deleted_by: dict[int, int] = {}  # index in ``padded`` -> the hunk that deleted it
    applied: list[bool] = []
    delta = 0  # how far the previous hunk landed from where it was expected
    for number, hunk in enumerate(hunks):
        current = "".join(chars)
        expected = hunk.start2 + delta
        start, span = _locate(engine, hunk, current, expected)
        edits = None if start == -1 else _hunk_edits(engine, hunk.diffs, current, start, span)
        if edits is None:
            applied.append(False)
            delta -= hunk.length2 - hunk.length1
            continue
        applied.append(True)
        delta = start - expected
        for edit_start, edit_end, inserted in reversed(edits):
            begin, end = start + edit_start, start + edit_end
            for origin in origins[begin:end]:
                if origin >= 0:
                    deleted_by[origin] = number
            chars[begin:end] = inserted
            origins[begin:end] = [-1 - number] * len(inserted)
    result = "".join(chars)
    for hunk_numbers in _edits_not_between_words(padded, result, origins, deleted_by):
        for number in hunk_numbers:
            applied[number] = False
    # The padding itself must come through untouched (a text may hold its characters).
    if origins[: len(padding)] != list(range(len(padding))) or origins[
        len(origins) - len(padding) :
    ] != list(range(len(padded) - len(padding), len(padded))):
        applied = [False] * len(applied)
    if not all(applied):
        return PatchResult(text, tuple(applied))
    return PatchResult(result[len(padding) : len(result) - len(padding)], tuple(applied))


def _applied_where_made(
    engine: diff_match_patch, patches: list[patch_obj], text: str
) -> str | None:
    """The patch applied where it was made, when every hunk's old text, context included,
    stands in ``text`` exactly at the hunk's own position; else None.

    ``start1`` of each hunk counts in the text as the hunks before it left it (diff-match-patch
    keeps a rolling context), so the hunks are applied in turn. Nothing moved, nothing fuzzy:
    the words each hunk deletes are where the proposal deleted them. This also takes the
    hunks whole, before ``patch_splitMax`` cuts a long word into pieces that would each end
    inside it."""
    for patch in patches:
        old = engine.diff_text1(patch.diffs)
        start = patch.start1
        if text[start : start + len(old)] != old:
            return None
        after = text[:start] + engine.diff_text2(patch.diffs) + text[start + len(old) :]
        # Whole words only, as on the fuzzy path: no edit starts or ends inside a word of
        # the text it deletes from or of the text it makes ("control" + "s").
        in_old = in_new = start
        for op, data in patch.diffs:
            if op == engine.DIFF_DELETE:
                if not (_between_words(text, in_old) and _between_words(text, in_old + len(data))):
                    return None
                in_old += len(data)
            elif op == engine.DIFF_INSERT:
                if not (
                    _between_words(after, in_new) and _between_words(after, in_new + len(data))
                ):
                    return None
                in_new += len(data)
            else:
                in_old += len(data)
                in_new += len(data)
        text = after
    return text


def _locate(engine: diff_match_patch, hunk: patch_obj, text: str, expected: int) -> tuple[int, str]:
    """Where the hunk's old text best matches ``text`` near ``expected``, as patch_apply
    finds it: (start, the span of ``text`` matched), or (-1, "")."""
    old = engine.diff_text1(hunk.diffs)
    limit = engine.Match_MaxBits
    if len(old) > limit:
        # Only a long deletion is longer than one hunk: match its two ends.
        start = engine.match_main(text, old[:limit], expected)
        if start == -1:
            return -1, ""
        end = engine.match_main(text, old[-limit:], expected + len(old) - limit)
        if end == -1 or start >= end:
            return -1, ""
        return start, text[start : end + limit]
    start = engine.match_main(text, old, expected)
    return (-1, "") if start == -1 else (start, text[start : start + len(old)])


def _hunk_edits(
    engine: diff_match_patch, hunk_diffs: list[tuple[int, str]], text: str, start: int, span: str
) -> list[tuple[int, int, str]] | None:
    """The hunk's edits as (start, end, inserted) in ``span``, the part of ``text`` from
    ``start`` that it matched; None when the hunk does not apply there.

    The hunk's old text and ``span`` may differ in the context around the changes (the fuzzy
    match allowed it); they are aligned with a character diff, as patch_apply does, and each
    change is placed through that alignment (``diff_xIndex``). A change applies only where
    the span holds exactly the words it deletes, with its context, on one side at least,
    exactly as the proposal saw it, and on the other side within :data:`MATCH_THRESHOLD`.
    """
    old = engine.diff_text1(hunk_diffs)
    if old == span:
        alignment = None
    else:
        alignment = engine.diff_main(old, span, False)
        if (
            len(old) > engine.Match_MaxBits
            and engine.diff_levenshtein(alignment) / float(len(old)) > engine.Patch_DeleteThreshold
        ):
            return None  # the two ends match, but what lies between is too different
        engine.diff_cleanupSemanticLossless(alignment)

    def place(location: int) -> int:
        return location if alignment is None else engine.diff_xIndex(alignment, location)

    # The hunk as contexts and changes: context, change, context, ..., context, each change
    # a list of (op, text) between two contexts (either may be empty).
    contexts: list[str] = [""]
    changes: list[list[tuple[int, str]]] = []
    for op, data in hunk_diffs:
        in_change = len(changes) == len(contexts)
        if op == engine.DIFF_EQUAL:
            if in_change:
                contexts.append(data)
            else:
                contexts[-1] += data
        elif in_change:
            changes[-1].append((op, data))
        else:
            changes.append([(op, data)])
    if len(changes) == len(contexts):
        contexts.append("")

    edits: list[tuple[int, int, str]] = []
    position = 0  # in the hunk's old text
    for number, change in enumerate(changes):
        before, after = contexts[number], contexts[number + 1]
        position += len(before)
        change_start = place(position)
        for op, data in change:
            if op == engine.DIFF_INSERT:
                at = place(position)
                edits.append((at, at, data))
            else:
                deleted_start, deleted_end = place(position), place(position + len(data))
                if span[deleted_start:deleted_end] != data:
                    return None  # the words to delete are not (all) there
                edits.append((deleted_start, deleted_end, ""))
                position += len(data)
        if not _context_holds(
            engine, before, after, text, start + change_start, start + place(position)
        ):
            return None
    return edits


def _context_holds(
    engine: diff_match_patch, before: str, after: str, text: str, start: int, end: int
) -> bool:
    """The text next to a change (``text[start:end]``) is as the proposal saw it: exactly on
    one side, within :data:`MATCH_THRESHOLD` of its characters on the other. The padding
    characters that stand for a text's start or end (U+0001..U+0004) match exactly only the
    same end; on the fuzzy side, they ask nothing (a text may have grown at that end)."""
    seen_before = text[max(0, start - len(before)) : start]
    seen_after = text[end : end + len(after)]
    exact_before = bool(before) and seen_before == before
    exact_after = bool(after) and seen_after == after
    if not (exact_before or exact_after):
        return False

    def close(context: str, seen: str) -> bool:
        if not context:
            return True
        difference = engine.diff_main(context, seen, False)
        distance: int = engine.diff_levenshtein(difference)
        return distance <= MATCH_THRESHOLD * len(context)

    padding = len(_PADDING)
    if not exact_before:
        context = before.lstrip(_PADDING)
        seen = text[min(start, padding) : start]  # the text before the change, unpadded
        return close(context, seen[len(seen) - len(context) :] if context else "")
    if not exact_after:
        context = after.rstrip(_PADDING)
        seen = text[end : max(end, len(text) - padding)]
        return close(context, seen[: len(context)])
    return True


def _between_words(text: str, index: int) -> bool:
    """True when ``index`` falls between two tokens of ``text`` (or at either end)."""
    return index <= 0 or index >= len(text) or len(tokenize(text[index - 1 : index + 1])) == 2


def _edits_not_between_words(
    before: str, after: str, origins: list[int], deleted_by: dict[int, int]
) -> list[set[int]]:
    """The hunks behind each edit (a run of deleted and inserted text, hunks joined) that
    starts or ends inside a word, in ``before`` or in ``after``."""
    problems: list[set[int]] = []
    kept_until, after_start = 0, 0  # the edit under way began at these places
    inserted_by: set[int] = set()
    for index in range(len(origins) + 1):
        origin = origins[index] if index < len(origins) else len(before)
        if origin < 0:
            inserted_by.add(-1 - origin)
            continue
        if origin != kept_until or index != after_start:  # an edit ends here
            hunks = inserted_by | {deleted_by[i] for i in range(kept_until, origin)}
            if not all(
                _between_words(text, at)
                for text, at in (
                    (before, kept_until),
                    (before, origin),
                    (after, after_start),
                    (after, index),
                )
            ):
                problems.append(hunks)
        kept_until, after_start, inserted_by = origin + 1, index + 1, set()
    return problems


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
