"""Word-level diffs and patches: whole words, every text reassembled, strict application."""

import time

import pytest

from drafting.text import diff


def _ops(old, new):
    return [(s.op, s.text) for s in diff.word_diff(old, new)]


def test_edits_snap_to_whole_words():
    """Never "te[x→s]t": a changed word is deleted and inserted whole."""
    assert _ops("the test text", "the best text") == [
        ("equal", "the "),
        ("delete", "test"),
        ("insert", "best"),
        ("equal", " text"),
    ]


def test_inserted_words_and_punctuation():
    assert _ops("Effective control over SALW", "Effective and transparent control over SALW.") == [
        ("equal", "Effective "),
        ("insert", "and transparent "),
        ("equal", "control over SALW"),
        ("insert", "."),
    ]


def test_added_brackets_show_as_inserted_brackets():
    assert _ops("a b c", "a [b] c") == [
        ("equal", "a "),
        ("insert", "["),
        ("equal", "b"),
        ("insert", "]"),
        ("equal", " c"),
    ]


def test_removed_brackets_show_as_struck_brackets():
    assert _ops("a [b] c", "a b c") == [
        ("equal", "a "),
        ("delete", "["),
        ("equal", "b"),
        ("delete", "]"),
        ("equal", " c"),
    ]


def test_repeated_words_keep_the_right_occurrence():
    segments = diff.word_diff("to the the end", "to the end")
    assert diff.old_text(segments) == "to the the end"
    assert diff.new_text(segments) == "to the end"
    assert [s for s in segments if s.op == "delete"] == [diff.DiffSegment("delete", "the ")]


def test_curly_quotes_are_tokens_of_their_own():
    segments = diff.word_diff("States’ responsibility", "States’ primary responsibility")
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "States’ "),
        ("insert", "primary "),
        ("equal", "responsibility"),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Контроль над оружием", "Эффективный контроль над стрелковым оружием"),
        ("مكافحة الاتجار غير المشروع", "منع ومكافحة الاتجار غير المشروع"),
        ("中文文本测试", "中文文字测试"),
        ("", "new text"),
        ("old text", ""),
        ("same", "same"),
    ],
)
def test_non_latin_and_edge_texts_reassemble(old, new):
    segments = diff.word_diff(old, new)
    assert diff.old_text(segments) == old
    assert diff.new_text(segments) == new


def test_chinese_is_diffed_per_character():
    assert _ops("中文文本测试", "中文文字测试") == [
        ("equal", "中文文"),
        ("delete", "本"),
        ("insert", "字"),
        ("equal", "测试"),
    ]


def test_patch_applies_to_its_own_base_exactly():
    old = "Effective control over SALW"
    new = "Effective [and transparent] control over small arms"
    result = diff.apply_patch(diff.make_patch(old, new), old)
    assert result.applied and result.text == new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Effective control over SALW", "Effective [and transparent] control over small arms"),
        ("Effective [control] over SALW", "Effective control over SALW"),
        ("中文文本测试", "中文文字测试"),
        ("", "new text"),
        ("old text", ""),
        ("same", "same"),
    ],
)
def test_patch_and_word_diff_together_are_the_patch_and_the_word_diff(old, new):
    """Computed together (the words compared once), as each is alone."""
    patch, segments = diff.patch_and_word_diff(old, new)
    assert patch == diff.make_patch(old, new)
    assert segments == diff.word_diff(old, new)
    assert diff.apply_patch(patch, old).text == new


def test_patch_applies_fuzzily_when_the_text_moved():
    """An earlier accepted change moved the text: the patch still lands where it belongs."""
    patch = diff.make_patch(
        "Cooperation between exporting and importing states",
        "Cooperation between exporting, transit and importing States",
    )
    moved = "Enhanced cooperation between exporting and importing states, as appropriate"
    result = diff.apply_patch(patch, moved)
    assert result.applied
    assert (
        result.text
        == "Enhanced cooperation between exporting, transit and importing States, as appropriate"
    )


def test_partly_applied_patch_is_not_applied():
    """patch_apply may apply some hunks only; that counts as not applied."""
    old = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi"
    new = "ALPHA beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron PI"
    patch = diff.make_patch(old, new)
    unrelated = "completely different words here that share nothing at all omicron pi"
    result = diff.apply_patch(patch, unrelated)
    assert len(result.hunks_applied) == 2
    assert not result.applied


def test_unrelated_long_texts_are_diffed_within_the_timeout():
    """Diff_Timeout stays set: two long unrelated texts do not take minutes."""
    old = " ".join(f"word{i}" for i in range(20_000))
    new = " ".join(f"other{i}" for i in range(20_000))
    started = time.perf_counter()
    segments = diff.word_diff(old, new)
    assert time.perf_counter() - started < 10
    assert diff.new_text(segments) == new


def test_empty_patch_applies_as_no_change():
    result = diff.apply_patch("", "text")
    assert result.text == "text" and result.applied


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        ("a b c", "a [b] c", True, False),
        ("a [b] c", "a b c", False, True),
        ("a b c", "a [b c", True, False),
        ("a b c", "a [x] c", False, False),
        ("a b", "a b", False, False),
        ("[a] b", "a [b]", False, False),
    ],
)
def test_bracket_only_changes(old, new, added, removed):
    assert diff.brackets_added_only(old, new) is added
    assert diff.brackets_removed_only(old, new) is removed


def test_a_patch_does_not_land_on_an_unrelated_sentence():
    patch = diff.make_patch(
        "Cooperation between exporting and importing states",
        "Cooperation between exporting and importing states on tracing",
    )
    result = diff.apply_patch(patch, "Information sharing among producer countries")
    assert not result.applied
    assert result.text == "Information sharing among producer countries"


def test_deleting_words_that_were_reworded_meanwhile_is_not_applied():
    """The chair replaced "exporting" by "producing": deleting "exporting and" is a conflict."""
    patch = diff.make_patch(
        "Cooperation between exporting and importing states", "Cooperation between importing states"
    )
    result = diff.apply_patch(patch, "Enhanced cooperation between producing and importing states")
    assert not result.applied


def test_long_patches_split_into_hunks_are_checked_hunk_by_hunk():
    old = " ".join(f"word{i}" for i in range(60))
    new = old.replace("word3 ", "").replace("word55", "WORD55")
    result = diff.apply_patch(diff.make_patch(old, new), old)
    assert result.applied and result.text == new


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        # The chair reworded the "illicit" to delete: deleting it would strike "unlawful".
        ("Preventing unlawful brokering of SALW, including illicit trade", None),
        # The text moved around it: the deletion still applies where it was proposed.
        (
            "Preventing illicit brokering of SALW and ammunition, including illicit trade",
            "Preventing brokering of SALW and ammunition, including illicit trade",
        ),
        # The "illicit" proposed for deletion is gone already: the other one stays.
        ("Preventing brokering of SALW, including illicit trade", None),
    ],
)
def test_a_stale_deletion_never_strikes_the_chairs_wording(current, expected):
    """Issue 15, point 2: the first "illicit" proposed for deletion, then reworded by the
    chair to "unlawful"; accepting the stale deletion removed "unlawful"."""
    patch = diff.make_patch(
        "Preventing illicit brokering of SALW, including illicit trade",
        "Preventing brokering of SALW, including illicit trade",
    )
    result = diff.apply_patch(patch, current)
    if expected is None:
        assert not result.applied
        assert result.text == current
    else:
        assert result.applied
        assert result.text == expected


def test_a_deletion_never_strikes_part_of_a_word():
    """Found by the stale-proposal properties: deleting "control " from "control trade
    controls" after "trade" was deleted struck "con" from "controls", leaving "trols"."""
    patch = diff.make_patch("control trade controls", "trade controls")
    result = diff.apply_patch(patch, "control controls")
    assert not result.applied


def test_an_insertion_does_not_land_beside_look_alike_words_elsewhere():
    """Found by the stale-proposal properties: "weapons" proposed after "management", which
    was deleted meanwhile, landed between "arms" and "export" (the context "agement
    exportin" fuzzily matched "women export")."""
    patch = diff.make_patch(
        "management exporting arms women export", "management weapons exporting arms export"
    )
    result = diff.apply_patch(patch, "exporting arms women export")
    assert not result.applied


def test_an_insertion_does_not_glue_onto_a_changed_word():
    patch = diff.make_patch(
        "Effective control over SALW", "Effective and transparent control over SALW"
    )
    assert not diff.apply_patch(patch, "Effective xcontrol over SALW").applied
    moved = diff.apply_patch(patch, "Effective control over SALW and ammunition")
    assert moved.applied
    assert moved.text == "Effective and transparent control over SALW and ammunition"


def test_a_change_at_an_end_applies_when_the_text_grew_at_that_end():
    """The text's start and end count as context: exact when still there, and asking
    nothing when the text has grown beyond them since."""
    patch = diff.make_patch("Cooperation between states", "Regional cooperation between states")
    grown = diff.apply_patch(patch, "Cooperation between states, as appropriate")
    assert grown.applied
    assert grown.text == "Regional cooperation between states, as appropriate"
    # Words added before the start of the text since: the proposal's change is still made.
    patch = diff.make_patch("Cooperation between states", "Cooperation between States")
    result = diff.apply_patch(patch, "Enhanced cooperation between states")
    assert result.applied and result.text == "Enhanced cooperation between States"
