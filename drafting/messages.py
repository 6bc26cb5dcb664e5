"""The translated wording of the text core's problems (`drafting.text.validation`).

The text core is plain Python: it reports each problem as a code with its parameters. This
catalogue is the one place that says them, in the user's language, for every service, form
and preview.
"""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from drafting.text.validation import TextProblem


def _too_long(problem: TextProblem) -> str:
    return _("The text has %(length)s characters; the limit is %(limit)s.") % {
        "length": f"{problem.params['length']:,}",
        "limit": f"{problem.params['limit']:,}",
    }


def _control_character(problem: TextProblem) -> str:
    return (
        _(
            "The text contains an invisible control character (%(code)s) at character "
            "%(position)s; remove it."
        )
        % problem.params
    )


def _brackets_unopened(problem: TextProblem) -> str:
    return (
        _(
            "The closing bracket “]” at character %(position)s has no opening bracket “[” "
            "before it (near “%(context)s”)."
        )
        % problem.params
    )


def _brackets_unclosed(problem: TextProblem) -> str:
    return (
        _(
            "The opening bracket “[” at character %(position)s is never closed (near "
            "“%(context)s”): add “]” where the bracketed language ends."
        )
        % problem.params
    )


TEXT_PROBLEMS: dict[str, Callable[[TextProblem], str]] = {
    "empty": lambda problem: _("Write the text you propose."),
    "too_long": _too_long,
    "control_character": _control_character,
    "brackets_unopened": _brackets_unopened,
    "brackets_unclosed": _brackets_unclosed,
}


def text_problem(problem: TextProblem) -> str:
    """One problem, said in the active language."""
    return TEXT_PROBLEMS[problem.code](problem)


def text_problems(problems: Iterable[TextProblem]) -> list[str]:
    """Each problem, said in the active language."""
    return [text_problem(problem) for problem in problems]
