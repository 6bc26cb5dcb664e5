import pytest

from drafting.text import brackets


def test_balanced_text_has_no_error_and_counts_groups():
    """A balanced text validates; each matched pair is a group, nested pairs included."""
    text = "States [shall [, as appropriate,]] take [measures]"
    report = brackets.parse(text)
    assert report.is_balanced
    assert brackets.count_groups(text) == 3
    assert [(g.start, g.end, g.depth) for g in report.groups] == [
        (7, 33, 1),
        (14, 32, 2),
        (40, 49, 1),
    ]


def test_text_without_brackets_has_no_groups():
    assert brackets.validate("Effective control over SALW") is None
    assert brackets.count_groups("Effective control over SALW") == 0
    assert brackets.count_groups("") == 0


def test_closing_before_opening_is_reported_at_its_position():
    """`]` before any `[` is the first error, with a 1-based character position."""
    error = brackets.validate("Agreed] text [here]")
    assert error is not None
    assert error.code == "unopened"
    assert error.position == 6


def test_unclosed_bracket_reports_the_first_open_one():
    """An unclosed `[` is reported where it opens, so the delegate knows where to look."""
    error = brackets.validate("[A [B] C")
    assert error is not None
    assert error.code == "unclosed"
    assert error.position == 0


def test_stray_closing_bracket_after_balanced_pairs():
    error = brackets.validate("[one] [two]] three")
    assert error is not None and error.code == "unopened" and error.position == 11


def test_unclosed_text_still_counts_its_open_brackets():
    """Unbalanced text is still open language: every `[` counts."""
    assert brackets.count_groups("[A [B] C") == 2


def test_deep_nesting_does_not_crash_and_balances():
    """Ten thousand levels of nesting: no recursion, no crash."""
    depth = 10_000
    text = "[" * depth + "x" + "]" * depth
    report = brackets.parse(text)
    assert report.is_balanced
    assert len(report.groups) == depth
    assert max(g.depth for g in report.groups) == depth


def test_deep_unclosed_nesting_reports_outermost():
    error = brackets.validate("[" * 500 + "x" + "]" * 499)
    assert error is not None and error.code == "unclosed" and error.position == 0


def test_error_message_quotes_the_nearby_text():
    error = brackets.validate("Cooperation between exporting and importing states]")
    assert error is not None
    assert error.context.endswith("importing states]")


@pytest.mark.parametrize(
    "text",
    ["", "plain", "[a]", "a [b [c] d] e", "]]][[[", "[[]", "x]y[z", "[é [中文] عربي]"],
)
def test_segments_reassemble_the_text(text):
    """Splitting into segments loses nothing: joined back they give the text."""
    assert "".join(s.text for s in brackets.segments(text)) == text


def test_segments_mark_depth_and_brackets():
    parts = [(s.text, s.depth, s.is_bracket) for s in brackets.segments("a [b [c]] d")]
    assert parts == [
        ("a ", 0, False),
        ("[", 1, True),
        ("b ", 1, False),
        ("[", 2, True),
        ("c", 2, False),
        ("]", 2, True),
        ("]", 1, True),
        (" d", 0, False),
    ]


def test_stray_closing_bracket_never_goes_below_depth_zero():
    assert [s.depth for s in brackets.segments("]a")] == [0, 0]
