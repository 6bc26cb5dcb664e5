"""The text core reports problems as codes with parameters; their wording, translated, is in
one catalogue (`drafting.messages`), used by every service, form and preview."""

import dataclasses

import pytest

from drafting import messages
from drafting.text import brackets, validation

EVERY_PROBLEM = {
    "empty": "   ",
    "too_long": "x" * (validation.MAX_ELEMENT_TEXT + 1),
    "control_character": "abc\x07def",
    "brackets_unopened": "Cooperation between exporting and importing states]",
    "brackets_unclosed": "[A [B] C",
}


def test_every_problem_the_text_core_reports_has_its_wording_in_the_catalogue():
    for code, text in EVERY_PROBLEM.items():
        (problem,) = validation.check_element_text(text)
        assert problem.code == code
    assert set(messages.TEXT_PROBLEMS) == set(EVERY_PROBLEM)


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("   ", ["Write the text you propose."]),
        (
            "x" * (validation.MAX_ELEMENT_TEXT + 1),
            ["The text has 4,001 characters; the limit is 4,000."],
        ),
        (
            "abc\u202edef",
            [
                "The text contains an invisible control character (U+202E) at character 4; "
                "remove it."
            ],
        ),
        (
            "Agreed] text [here]",
            [
                "The closing bracket “]” at character 7 has no opening bracket “[” before it "
                "(near “Agreed]”)."
            ],
        ),
        (
            "[A [B] C",
            [
                "The opening bracket “[” at character 1 is never closed (near “[”): add "
                "“]” where the bracketed language ends."
            ],
        ),
    ],
)
def test_each_problem_is_said_with_where_it_is(text, wording):
    assert messages.text_problems(validation.check_element_text(text)) == wording


def test_the_text_core_keeps_no_wording_of_its_own():
    """No English kept beside the catalogue: a problem is a code with its parameters."""
    assert [f.name for f in dataclasses.fields(validation.TextProblem)] == ["code", "params"]
    assert "message" not in {f.name for f in dataclasses.fields(brackets.BracketError)}
