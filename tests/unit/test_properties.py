"""Properties of the text core, checked on generated texts (hypothesis).

Texts are drawn from all of Unicode except lone surrogates (which no request can carry:
Django decodes bodies as UTF-8), mixed with the characters that stress the core: brackets,
spaces and line breaks, C0 controls (diff-match-patch pads its hunks with U+0001..U+0004),
combining marks, right-to-left letters and overrides, zero-width spaces, astral characters.
Raw texts are at most 200 characters, word texts at most 80 words (diff-match-patch takes
about 5 ms a pair at that size). The hypothesis profile (tests/conftest.py) sets the number
of examples: in the suite ("ci") 1,000 a property with a fixed seed, so CI sees the same
examples on every run, and half that for the slowest properties (``SLOW``: the stale-proposal
merges, redlines, text checks, patches, brackets, outlines, each over 2 s at 1,000); the
nightly profile ("slow", ``--hypothesis-profile=slow``) ten times as many, drawn afresh.
"""

import collections
import itertools
import json
import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.text import brackets, diff, numbering, redline, snapshot, validation
from drafting.text.outline import OutlineElement, parse_outline

# The profile's settings (seed, examples, no deadline, no example database) for most
# properties; half its examples for those where one example takes milliseconds.
PROPERTY = settings()
SLOW = settings(max_examples=settings.default.max_examples // 2)

SPECIAL = [
    *" [][]\n\t\r",
    *"\x00\x01\x02\x03\x04\x1b\x7f\x85",  # NUL, dmp's padding characters, ESC, DEL, NEL
    *"\u0301\u0308\u200b\u200d\ufeff",  # combining marks, zero-width characters, BOM
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f",  # bidi controls
    *"\u2028\u2029\u00a0",  # line and paragraph separators, a no-break space
    *"\ue000\u0378",  # private use, unassigned
    "\U0001f600",
    "\U00010348",
    "\U000e0001",  # astral: emoji, Gothic, a tag character
    *"مرحباשלום中文字テキスト한국어",
    *"%@+’“”",
]
WORDS = [
    "the",
    "control",
    "of",
    "small",
    "arms",
    "[and",
    "light]",
    "weapons",
    "SALW",
    "Effective",
    "’",
    ",",
    ".",
    "“",
    "”",
    "internationallyrecognisedstandardsoftraceability",  # longer than a dmp hunk
    "États",
    "Контроль",
    "مكافحة",
    "中文文本",
    "e\u0301",
    "\U0001f600",
    "[",
    "]",
]

characters = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(SPECIAL))
# Short texts are what hypothesis draws most; the second strategy makes long ones common too.
raw_texts = st.one_of(
    st.text(characters, max_size=200), st.text(characters, min_size=100, max_size=200)
)
word_texts = st.lists(st.sampled_from(WORDS + SPECIAL), max_size=80).map(" ".join)
texts = st.one_of(st.just(""), raw_texts, word_texts)
bracket_texts = st.text(
    st.one_of(st.sampled_from(["[", "]", "[", "]", " ", "a", "\n", "…"]), characters),
    max_size=200,
)


@st.composite
def edited_pairs(draw):
    """A word text and an edit of it: words deleted, inserted and replaced, as delegates do.

    Each edit is two bytes (where, and what): drawing bytes is much faster than tuples.
    """
    old = draw(word_texts)
    tokens = diff.tokenize(old)
    edits = draw(st.binary(max_size=12))
    for where, what in zip(edits[::2], edits[1::2], strict=False):
        position = where % (len(tokens) + 1)
        edit, word = what % 3, WORDS[(what // 3) % len(WORDS)]
        if edit == 0:
            tokens.insert(position, word + " ")
        elif position < len(tokens):
            if edit == 1:
                del tokens[position]
            else:
                tokens[position] = word
    return old, "".join(tokens)


pairs = st.one_of(st.tuples(texts, texts), edited_pairs())


# --- diff: patches and word diffs -------------------------------------------------------


@SLOW
@given(pairs)
def test_patches_and_word_diffs_give_back_both_texts(pair):
    """Three properties on each pair of texts (one draw, as drawing dominates the time):
    the patch from a to b applied to a gives b; the word diff's equal and delete parts give
    a, its equal and insert parts give b; tokens join back into each text."""
    old, new = pair
    result = diff.apply_patch(diff.make_patch(old, new), old)
    assert result.applied
    assert result.text == new

    segments = diff.word_diff(old, new)
    assert diff.old_text(segments) == old
    assert diff.new_text(segments) == new
    assert all(segment.text for segment in segments)  # no empty segments
    ops = [segment.op for segment in segments]
    assert all(a != b for a, b in itertools.pairwise(ops))  # neighbours merged
    assert (old == new) == all(op == "equal" for op in ops)

    for text in (old, new):
        tokens = diff.tokenize(text)
        assert "".join(tokens) == text
        assert all(tokens)


@PROPERTY
@given(bracket_texts, st.binary(min_size=1, max_size=4))
def test_bracket_only_changes_are_recognised(text, insertions):
    """Brackets added to a text are "brackets added only", and the inverse "removed only"."""
    more = text
    for byte in insertions:  # bit 0: which bracket; the rest: where
        position = (byte >> 1) % (len(more) + 1)
        more = more[:position] + "[]"[byte & 1] + more[position:]
    assert diff.brackets_added_only(text, more)
    assert diff.brackets_removed_only(more, text)
    assert diff.only_brackets_changed(text, more)
    assert not diff.brackets_added_only(more, text)
    assert not diff.brackets_removed_only(text, more)


# --- diff: a proposal accepted after someone else changed the text ------------------------
#
# B is a base text, P a proposal made on B, E edits made to B meanwhile by someone else (the
# chair's office, an earlier accepted proposal). Accepting P applies its patch to E(B): it
# must either change E(B) by exactly P's change or not apply (a conflict a person resolves).
# Edits are drawn on words: each word of B is kept, deleted or replaced, and words are
# inserted into the gaps between them; the texts are the words joined by single spaces.

STALE_WORDS = [
    # Distinct, but alike in their characters (control, controls), as diff-match-patch sees them.
    "control",
    "controls",
    "arms",
    "small",
    "light",
    "weapons",
    "illicit",
    "unlawful",
    "brokering",
    "trade",
    "States",
    "states",
    "national",
    "international",
    "marking",
    "tracing",
    "record",
    "keeping",
    "stockpile",
    "transfer",
    "transfers",
    "export",
    "exports",
    "import",
    "importing",
    "exporting",
    "transit",
    "cooperation",
    "assistance",
    "financial",
    "technical",
    "capacity",
    "building",
    "effective",
    "effectively",
    "measures",
    "legislation",
    "regional",
    "subregional",
    "diversion",
    "preventing",
    "combating",
    "ammunition",
    "end-user",
    "surplus",
    "[and",
    "light]",
    "(SALW),",
    "“illicit”",
    "États",
    "Контроль",
    "مكافحة",
    "中文",
    "文本",
    "internationallyrecognisedstandardsoftraceability",  # longer than a hunk
]
# A change's hunk reaches at most 16 characters past it (patch_addContext: context grows
# until unique, up to Match_MaxBits, plus one Patch_Margin), so edits this far apart never
# share a hunk: accepting P must then succeed, whatever E did.
APART = 40


@st.composite
def word_edits(draw, words: list[str], fresh, most: int):
    """An edit of ``words``: {"word": {index: None (deleted) or its new word}, "gap":
    {index: words inserted before words[index] (len(words): at the end)}}."""
    edit: dict[str, dict] = {"word": {}, "gap": {}}
    for _ in range(draw(st.integers(0, most))):
        kind = draw(st.sampled_from(["delete", "replace", "insert"]))
        if kind == "insert" or not words:
            gap = draw(st.integers(0, len(words)))
            edit["gap"].setdefault(gap, []).append(draw(fresh))
        else:
            index = draw(st.integers(0, len(words) - 1))
            edit["word"][index] = None if kind == "delete" else draw(fresh)
    return edit


def edited(words: list[str], *edits, orders: dict | None = None) -> str:
    """``words`` with the edits made (at a gap both insert into, in the order given)."""
    result = []
    for gap in range(len(words) + 1):
        for which in (orders or {}).get(gap, range(len(edits))):
            result.extend(edits[which]["gap"].get(gap, []))
        if gap < len(words):
            changed = [edit["word"][gap] for edit in edits if gap in edit["word"]]
            if not changed:
                result.append(words[gap])
            elif changed[0] is not None:
                result.append(changed[0])
    return " ".join(result)


def touched(words: list[str], edit) -> list[tuple[int, int]]:
    """The spans of the base text (characters) that an edit changes; an insertion is a
    point."""
    starts = list(itertools.accumulate((len(word) + 1 for word in words), initial=0))
    end = max(starts[-1] - 1, 0)
    spans = [(starts[index], starts[index] + len(words[index])) for index in edit["word"]]
    return spans + [((starts[gap] if gap < len(words) else end),) * 2 for gap in edit["gap"]]


def _words_in_order(text: str) -> list[str]:
    return [token for token in diff.tokenize(text) if not token.isspace()]


@st.composite
def stale_proposals(draw):
    """Distinct words: B's, those P inserts and those E inserts never coincide, so each word
    of a result says where it came from."""
    words = draw(st.permutations(STALE_WORDS))
    size = draw(st.integers(0, 24))
    base, unused = words[:size], iter(words[size:])
    fresh = st.builds(lambda: next(unused))
    return base, draw(word_edits(base, fresh, 3)), draw(word_edits(base, fresh, 4))


@SLOW
@given(stale_proposals())
def test_a_stale_proposal_makes_exactly_its_change_or_is_a_conflict(case):
    """Accepting P on E(B) either fails, leaving E(B) as it is, or gives B with both P's and
    E's changes: P's deletions where P made them, its insertions, and E's words untouched.
    Where P and E change words 40 characters apart or more, it must succeed; where both
    change the same word of B, it must fail (there is no text with both changes); where
    they meet (adjacent words, or both inserting into one gap, in either order), either."""
    base, proposal, meanwhile = case
    current = edited(base, meanwhile)
    result = diff.apply_patch(diff.make_patch(" ".join(base), edited(base, proposal)), current)
    both = sorted(set(proposal["gap"]) & set(meanwhile["gap"]))
    combined = set()
    if not set(proposal["word"]) & set(meanwhile["word"]):
        for orders in itertools.product([(0, 1), (1, 0)], repeat=len(both)):
            combined.add(
                edited(base, proposal, meanwhile, orders=dict(zip(both, orders, strict=True)))
            )
    apart = all(
        b0 - a1 >= APART or a0 - b1 >= APART
        for a0, a1 in touched(base, proposal)
        for b0, b1 in touched(base, meanwhile)
    )
    if apart:
        assert result.applied
        assert result.text in combined
    elif result.applied:
        # Where the edits meet, the spaces between words may differ ("arms control" with
        # "control" deleted: "arms "); every word is exactly as both changes make it.
        assert _words_in_order(result.text) in [_words_in_order(text) for text in combined]
    else:
        assert result.text == current


@st.composite
def stale_proposals_with_repeated_words(draw):
    """Words that recur (B is drawn from WORDS, with brackets, punctuation, a long word); E
    also inserts words of its own ("E0", "E1"...) that appear nowhere else."""
    base = draw(st.lists(st.sampled_from(WORDS), max_size=25))
    own = iter(f"E{number}" for number in itertools.count())
    return (
        base,
        draw(word_edits(base, st.sampled_from(WORDS), 4)),
        draw(word_edits(base, st.one_of(st.sampled_from(WORDS), st.builds(lambda: next(own))), 5)),
    )


def _words(text: str) -> collections.Counter:
    return collections.Counter(token for token in diff.tokenize(text) if not token.isspace())


@SLOW
@given(stale_proposals_with_repeated_words())
def test_a_stale_proposal_strikes_and_adds_only_its_own_words(case):
    """With repeated words the occurrence cannot be told from the text alone, but the words
    can: accepting P on E(B), when it applies, removes from E(B) exactly the words P deletes
    (as B -> P's word diff says) and adds exactly those P inserts; no word E added is lost."""
    base, proposal, meanwhile = case
    old, new, current = " ".join(base), edited(base, proposal), edited(base, meanwhile)
    result = diff.apply_patch(diff.make_patch(old, new), current)
    if not result.applied:
        assert result.text == current
        return
    deleted, inserted = collections.Counter(), collections.Counter()
    for segment in diff.word_diff(old, new):
        if segment.op == "delete":
            deleted += _words(segment.text)
        elif segment.op == "insert":
            inserted += _words(segment.text)
    words = _words(result.text)
    assert words + deleted == _words(current) + inserted
    for word, count in _words(current).items():
        if word.startswith("E") and word[1:].isdigit():
            assert words[word] == count


# --- brackets ----------------------------------------------------------------------------


def reference_brackets(text: str):
    """A plain stack checker: (groups as (start, end, depth) by start, error code, position)."""
    stack: list[int] = []
    groups: list[tuple[int, int, int]] = []
    for index, char in enumerate(text):
        if char == "[":
            stack.append(index)
        elif char == "]":
            if not stack:
                return sorted(groups), "unopened", index
            start = stack.pop()
            groups.append((start, index, len(stack) + 1))
    if stack:
        return sorted(groups), "unclosed", stack[0]
    return sorted(groups), None, None


@SLOW
@given(st.one_of(bracket_texts, texts))
def test_brackets_agree_with_a_stack_checker_and_segments_rebuild_the_text(text):
    report = brackets.parse(text)  # never raises
    groups, code, position = reference_brackets(text)
    assert [(g.start, g.end, g.depth) for g in report.groups] == groups
    error = brackets.validate(text)
    assert error == report.error
    if code is None:
        assert report.is_balanced
        assert brackets.count_groups(text) == len(groups) == text.count("[")
    else:
        assert error.code == code and error.position == position
        assert brackets.count_groups(text) == text.count("[")
    for group in report.groups:
        assert text[group.start] == "[" and text[group.end] == "]"

    parts = brackets.segments(text)
    assert "".join(part.text for part in parts) == text
    depth = 0
    for part in parts:
        assert part.text
        if part.is_bracket:
            assert part.text in "[]"
            if part.text == "[":
                depth += 1
                assert part.depth == depth
            else:
                assert part.depth == depth
                depth = max(0, depth - 1)
        else:
            assert "[" not in part.text and "]" not in part.text
            assert part.depth == depth >= 0


def test_deep_nesting_does_not_recurse():
    text = "[" * 100_000 + "x" + "]" * 100_000
    assert brackets.count_groups(text) == 100_000
    assert brackets.validate(text[:-1]).code == "unclosed"


# --- validation --------------------------------------------------------------------------


def _reference_forbidden(text: str, *, allow_newlines: bool) -> int | None:
    for index, char in enumerate(text):
        if char == "\t" or (char == "\n" and allow_newlines):
            continue
        if char in validation.BIDI_CONTROLS or unicodedata.category(char) in {
            "Cc",
            "Cs",
            "Co",
            "Cn",
        }:
            return index
    return None


@SLOW
@given(st.one_of(texts, bracket_texts))
def test_text_checks_never_crash_and_reject_the_invisible_characters_they_name(text):
    problems = validation.check_element_text(text)
    codes = [problem.code for problem in problems]
    assert len(codes) == len(set(codes))
    if not text.strip():
        assert codes == ["empty"]
    else:
        bad = _reference_forbidden(text, allow_newlines=False)
        if bad is None:
            assert "control_character" not in codes
        else:
            (problem,) = [p for p in problems if p.code == "control_character"]
            assert problem.params == {"position": bad + 1, "code": f"U+{ord(text[bad]):04X}"}
        assert ("too_long" in codes) == (len(text) > validation.MAX_ELEMENT_TEXT)
        assert any(code.startswith("brackets_") for code in codes) == (
            brackets.validate(text) is not None
        )
        if any(char in validation.BIDI_CONTROLS or char == "\n" for char in text):
            assert "control_character" in codes

    # Notes may hold line breaks, nothing else invisible; they may be empty or unbalanced.
    note_codes = [problem.code for problem in validation.check_note(text)]
    bad = _reference_forbidden(text, allow_newlines=True)
    assert ("control_character" in note_codes) == (bad is not None)
    assert "empty" not in note_codes
    assert not any(code.startswith("brackets_") for code in note_codes)

    once = validation.normalise(text)
    assert validation.normalise(once) == once
    assert "\r" not in once
    assert once == once.strip()


# --- numbering ---------------------------------------------------------------------------


def _letter_index(label: str) -> int:
    """The inverse of numbering.letter: "a" -> 0, "aa" -> 26, "bb" -> 27."""
    assert label and set(label) == {label[0]} and label[0] in string.ascii_lowercase
    return (len(label) - 1) * 26 + ord(label[0]) - ord("a")


@PROPERTY
@given(st.integers(0, 10_000))
def test_section_letters_round_trip_and_increase(index):
    label = numbering.letter(index)
    assert _letter_index(label) == index
    following = numbering.letter(index + 1)
    assert (len(label), label) < (len(following), following)


def test_ordinal_suffixes_are_distinct_and_latin_first():
    suffixes = [numbering.ordinal_suffix(count) for count in range(1, 500)]
    assert len(set(suffixes)) == len(suffixes)
    assert suffixes[:3] == ["bis", "ter", "quater"]


KIND_CHILDREN = {
    "agenda_item": ["section", "theme", "paragraph", "placeholder"],
    "section": ["theme", "paragraph", "placeholder"],
    "theme": ["subtheme", "placeholder"],
    "subtheme": [],
    "paragraph": [],
    "placeholder": [],
}


def _build_outline(shape: bytes) -> list[numbering.OutlineNode]:
    """A tree from bytes, one element each: bits 0-1 its level, 2-3 which kind that fits
    there, 4 unnumbered, 5 provisional, 6-7 footnotes. Each element goes under the last one a
    level up. (Drawing bytes is many times faster than drawing a tree node by node.)"""
    roots: list[numbering.OutlineNode] = []
    path: list[numbering.OutlineNode] = []  # path[level] is the last node at that level
    for key, byte in enumerate(shape, start=1):
        level = min(byte & 3, len(path))
        while level and not KIND_CHILDREN[path[level - 1].kind]:
            level -= 1
        allowed = KIND_CHILDREN[path[level - 1].kind] if level else ["agenda_item"]
        kind = allowed[(byte >> 2 & 3) % len(allowed)]
        node = numbering.OutlineNode(
            key=key,
            kind=kind,
            unnumbered=bool(byte & 16) and kind == "section",
            provisional=bool(byte & 32),
            footnote_keys=[f"{key}-{n}" for n in range((byte >> 6) % 3)],
        )
        (path[level - 1].children if level else roots).append(node)
        del path[level:]
        path.append(node)
    return roots


outlines = st.binary(max_size=40).map(_build_outline)


@PROPERTY
@given(outlines)
def test_every_element_gets_a_label_and_numbers_run_in_order(nodes):
    labels = numbering.label_tree(nodes)
    in_order = list(numbering.walk(nodes))
    assert set(labels) == {node.key for node in in_order}
    for kind in ("agenda_item", "paragraph"):
        numbered = [labels[n.key] for n in in_order if n.kind == kind]
        plain = [int(label[:-1]) for label in numbered if " " not in label]
        assert plain == list(range(1, len(plain) + 1))
        for label in numbered:  # "3 bis." follows 3
            assert label.endswith(".")
    for node in in_order:
        if node.kind == "section" and node.unnumbered:
            assert labels[node.key] == ""
    footnotes = numbering.footnote_numbers(nodes)
    assert list(footnotes.values()) == list(range(1, len(footnotes) + 1))


# --- snapshots and redlines --------------------------------------------------------------


TREE_TEXTS = [
    "",
    "Effective control over SALW",
    "Effective [and transparent] control over SALW",
    "[Item one]",
    "States [shall [, as appropriate,]] take [measures]",
    "unclosed [bracket",
    "stray] bracket",
    "مكافحة [الاتجار] غير المشروع",
    "中文文本测试",
    "e\u0301 \u202e\U0001f600",
]
STATUSES = ["pending", "pending", "agreed_ad_ref", "deleted"]


def _rows(nodes, text_of, status_of, parent=None) -> list[snapshot.ElementRow]:
    rows = []
    for position, node in enumerate(nodes):
        rows.append(
            snapshot.ElementRow(
                id=node.key,
                parent_id=parent,
                position=position,
                kind=node.kind,
                text=text_of[node.key],
                status=status_of[node.key],
                provisional=node.provisional,
            )
        )
        rows.extend(_rows(node.children, text_of, status_of, node.key))
    return rows


def _kept(rows, dropped) -> list[snapshot.ElementRow]:
    """Rows without the dropped ones and their subtrees (parents come before children)."""
    kept, ids = [], set()
    for row in rows:
        if row.id not in dropped and (row.parent_id is None or row.parent_id in ids):
            kept.append(row)
            ids.add(row.id)
    return kept


@st.composite
def snapshot_pairs(draw):
    """Two snapshots of one document: texts and statuses changed, elements added or dropped.

    Texts come from a pool (sample sentences and a few arbitrary texts drawn per document);
    one byte per element says what happens to it: bits 0-3 its old text, 4-5 its old
    status, 6 changed text, 7 changed status; a second byte: dropped from the old side,
    dropped from the new side, its new text and status. (The diff properties above cover
    arbitrary pairs of texts.)
    """
    nodes = draw(outlines)
    keys = [node.key for node in numbering.walk(nodes)]
    pool = TREE_TEXTS + draw(st.lists(raw_texts, max_size=4))
    fates = draw(st.binary(min_size=2 * len(keys), max_size=2 * len(keys)))
    old_text, old_status, new_text, new_status = {}, {}, {}, {}
    dropped_old, dropped_new = set(), set()
    for key, first, second in zip(keys, fates[::2], fates[1::2], strict=True):
        old_text[key] = pool[(first & 15) % len(pool)]
        old_status[key] = STATUSES[first >> 4 & 3]
        new_text[key] = pool[(second >> 2) % len(pool)] if first & 64 else old_text[key]
        new_status[key] = STATUSES[second >> 6] if first & 128 else old_status[key]
        if second & 3 == 1 and second & 4:
            dropped_old.add(key)
        elif second & 3 == 2 and second & 4:
            dropped_new.add(key)
    old_tree = snapshot.build_tree(_kept(_rows(nodes, old_text, old_status), dropped_old))
    new_tree = snapshot.build_tree(_kept(_rows(nodes, new_text, new_status), dropped_new))
    return old_tree, new_tree


@SLOW
@given(snapshot_pairs())
def test_redlines_show_both_snapshots_and_hashes_are_canonical(trees):
    """The redline never crashes; every element of either snapshot's text (deleted elements
    and what is under them are not part of it) is one row; each row's text reassembles the
    old and the new text; bracket totals are the texts'. Canonical JSON reads back as the
    tree, and the hash follows."""
    old_tree, new_tree = trees
    result = redline.compare(old_tree, new_tree)
    old_text, new_text = snapshot.without_deleted(old_tree), snapshot.without_deleted(new_tree)
    old = {e["id"]: e for e, _d in snapshot.iter_elements(old_text)}
    new = {e["id"]: e for e, _d in snapshot.iter_elements(new_text)}
    assert sorted(row.id for row in result.rows) == sorted(set(old) | set(new))
    new_rows = [row for row in result.rows if row.change != redline.Change.DELETED]
    assert [row.id for row in new_rows] == [e["id"] for e, _d in snapshot.iter_elements(new_text)]
    assert result.count_deleted == len(set(old) - set(new))
    for row in result.rows:
        if row.id in new:
            assert diff.new_text(row.segments) == new[row.id]["text"]
            assert row.label == new[row.id]["label"]
        if row.id in old:
            assert diff.old_text(row.segments) == old[row.id]["text"]
        if row.change == redline.Change.UNCHANGED:
            assert old[row.id]["text"] == new[row.id]["text"]
            assert old[row.id]["status"] == new[row.id]["status"]
    assert result.old_total == snapshot.bracket_count(old_text)
    assert result.new_total == snapshot.bracket_count(new_text)

    for tree in (old_tree, new_tree):
        encoded = snapshot.canonical_json(tree)
        assert json.loads(encoded) == tree
        assert snapshot.content_hash(json.loads(encoded)) == snapshot.content_hash(tree)
    assert (snapshot.content_hash(old_tree) == snapshot.content_hash(new_tree)) == (
        old_tree == new_tree
    )


# --- outline -----------------------------------------------------------------------------

# One line per element: texts without line breaks of any kind (str.splitlines splits on
# eleven characters), stripped, as a source file would hold them.
outline_texts = (
    st.text(
        st.characters(
            exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x1c\x1d\x1e\x85"
        ),
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda text: not text.startswith("#"))
)


def _outline_elements(nodes, pool, counter):
    def text() -> str:
        counter[0] += 1
        return pool[counter[0] % len(pool)]

    return [
        OutlineElement(
            kind=node.kind,
            text="" if node.kind == "placeholder" else text(),
            unnumbered=node.unnumbered,
            footnotes=[text() for _ in node.footnote_keys],
            children=_outline_elements(node.children, pool, counter),
        )
        for node in nodes
    ]


def _outline_source(elements, level=0):
    lines = []
    for element in elements:
        indent = "  " * level
        kind = element.kind + ("~" if element.unnumbered else "")
        lines.append(f"{indent}{kind}: {element.text}".rstrip())
        lines.extend(f"{indent}  footnote: {footnote}".rstrip() for footnote in element.footnotes)
        lines.extend(_outline_source(element.children, level + 1))
    return lines


@SLOW
@given(outlines, st.lists(outline_texts, min_size=1, max_size=8))
def test_outlines_written_out_read_back_the_same(nodes, pool):
    elements = _outline_elements(nodes, pool, [0])
    assert parse_outline("\n".join(_outline_source(elements))) == elements


@PROPERTY
@given(texts)
def test_outline_parser_reads_or_names_the_line(source):
    try:
        parse_outline(source)
    except ValueError as error:
        assert str(error).startswith("line ")


# --- regressions found by the properties above -------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0" * 25, ""),  # one long word deleted: padding split the hunk in two
        ("a " + "x" * 30, "a "),
        ("x" * 30 + " b", " b"),
    ],
)
def test_a_hunk_split_by_padding_applies(old, new):
    """apply_patch counted hunks before patch_apply padded and split them: a ValueError
    (zip strict) instead of a result, a 500 wherever a proposal was accepted or rebased."""
    result = diff.apply_patch(diff.make_patch(old, new), old)
    assert result.applied and result.text == new
