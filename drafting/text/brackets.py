"""Square brackets mark language that is not yet agreed.

Brackets nest and must balance. A *bracket group* is one matched ``[`` ... ``]`` pair; nested
pairs are groups of their own. The number of groups is how a chair measures the distance to
consensus, per element, per agenda item and in the whole document.

Positions are 0-based indexes into the text; messages count characters from 1, as a
delegate reading the text would.
"""

from dataclasses import dataclass

OPEN = "["
CLOSE = "]"


@dataclass(frozen=True)
class BracketGroup:
    """A matched pair: ``start`` is the index of ``[``, ``end`` the index of its ``]``."""

    start: int
    end: int
    depth: int  # 1 for an outermost pair


@dataclass(frozen=True)
class BracketError:
    """The first problem found in a text's brackets."""

    position: int
    code: str  # "unopened" or "unclosed"
    context: str = ""


@dataclass(frozen=True)
class BracketReport:
    groups: tuple[BracketGroup, ...]
    error: BracketError | None

    @property
    def is_balanced(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Segment:
    """A run of text at one bracket depth; brackets are their own segments."""

    text: str
    depth: int
    is_bracket: bool = False


def _context(text: str, position: int, width: int = 20) -> str:
    start = max(0, position - width)
    snippet = text[start : position + 1]
    return ("…" if start > 0 else "") + snippet.replace("\n", " ")


def parse(text: str) -> BracketReport:
    """Match every bracket in ``text``; report groups in order of their opening bracket.

    Never raises, whatever the input and however deep the nesting (no recursion).
    The first error is the first ``]`` with nothing open, or else the first ``[`` left open.
    """
    stack: list[int] = []
    groups: list[BracketGroup | None] = []
    slot_of_open: dict[int, int] = {}
    for index, char in enumerate(text):
        if char == OPEN:
            slot_of_open[index] = len(groups)
            groups.append(None)
            stack.append(index)
        elif char == CLOSE:
            if not stack:
                error = BracketError(
                    position=index,
                    code="unopened",
                    context=_context(text, index),
                )
                return BracketReport(tuple(g for g in groups if g is not None), error)
            start = stack.pop()
            groups[slot_of_open[start]] = BracketGroup(start=start, end=index, depth=len(stack) + 1)
    if stack:
        first_open = stack[0]
        error = BracketError(
            position=first_open,
            code="unclosed",
            context=_context(text, first_open),
        )
        return BracketReport(tuple(g for g in groups if g is not None), error)
    return BracketReport(tuple(g for g in groups if g is not None), None)


def validate(text: str) -> BracketError | None:
    """The first bracket error in ``text``, or None when its brackets balance."""
    return parse(text).error


def count_groups(text: str) -> int:
    """Number of bracket groups (nested pairs counted) in a balanced text.

    For an unbalanced text, every ``[`` counts: an unclosed bracket is still open language.
    """
    report = parse(text)
    if report.error is None:
        return len(report.groups)
    return text.count(OPEN)


def segments(text: str) -> list[Segment]:
    """Split ``text`` into runs by bracket depth, for marking bracketed language visibly.

    Concatenating the segments' texts gives back ``text``. Depth never goes below zero:
    a stray ``]`` is shown at depth 0.
    """
    result: list[Segment] = []
    depth = 0
    run_start = 0

    def flush(end: int) -> None:
        if end > run_start:
            result.append(Segment(text[run_start:end], depth))

    for index, char in enumerate(text):
        if char == OPEN:
            flush(index)
            depth += 1
            result.append(Segment(OPEN, depth, is_bracket=True))
            run_start = index + 1
        elif char == CLOSE:
            flush(index)
            result.append(Segment(CLOSE, depth, is_bracket=True))
            depth = max(0, depth - 1)
            run_start = index + 1
    flush(len(text))
    return result
