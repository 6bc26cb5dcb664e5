import pytest

from drafting.text import validation


def _codes(text):
    return [p.code for p in validation.check_element_text(text)]


def test_good_text_has_no_problem():
    assert _codes("Effective [and transparent] control over SALW") == []


def test_empty_text_is_refused():
    assert _codes("   ") == ["empty"]


def test_over_long_text_says_the_limit():
    problems = validation.check_element_text("x" * (validation.MAX_ELEMENT_TEXT + 1))
    assert problems[0].code == "too_long"
    assert problems[0].params == {"length": 4_001, "limit": 4_000}


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\u202e", "\u2066", "\n"])
def test_control_and_bidi_override_characters_are_refused_with_their_position(char):
    problems = validation.check_element_text(f"abc{char}def")
    assert [p.code for p in problems] == ["control_character"]
    assert problems[0].params["position"] == 4


def test_arabic_text_needs_no_override_and_passes():
    assert _codes("منع ومكافحة الاتجار غير المشروع") == []


def test_unbalanced_brackets_are_reported_where_they_are():
    problems = validation.check_element_text("Effective [and transparent control")
    assert problems[0].code == "brackets_unclosed"
    assert problems[0].params["position"] == 11


def test_notes_may_have_line_breaks_but_no_control_characters():
    assert validation.check_note("line one\nline two") == []
    assert [p.code for p in validation.check_note("bad\x00")] == ["control_character"]


def test_normalise_unifies_line_breaks_and_trims():
    assert validation.normalise("  a\r\nb\rc  ") == "a\nb\nc"
