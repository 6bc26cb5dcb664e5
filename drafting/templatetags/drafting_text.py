"""Template filters that show negotiated text: brackets marked visibly, user text escaped
(the markup itself is made in `drafting.render.markup`)."""

import re

from django import template
from django.utils.translation import gettext as _

from drafting.models import MarkStance
from drafting.render import markup
from drafting.text import validation

register = template.Library()

# Their markup is made in the rendering package (`drafting.render.markup`).
register.filter("bracketed", markup.bracketed)
register.filter("render_diff", markup.render_diff)


@register.filter
def characters(text) -> int:
    """How many characters ``text`` counts against its limit, as the services count them
    (line breaks as one, outer spaces trimmed): the form's count before the script runs."""
    return len(validation.normalise(str(text or "")))


@register.filter
def over_by(count: int, limit: int) -> int:
    """How far ``count`` is past ``limit`` (0 within it)."""
    return max(0, count - limit)


@register.filter
def status_word(status: str) -> str:
    """An element status in words ("agreed ad referendum"), never its stored value."""
    from drafting.models import ElementStatus

    return str(ElementStatus(status).label) if status in ElementStatus.values else status


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """``mapping[key]`` or None, for lookups by a variable key in templates."""
    return mapping.get(key) if mapping else None


@register.filter
def with_notes(marks) -> str:
    """Delegations by name, each with the note it gave with its mark: “India (“We can live with
    it”), Mexico”. Plain text: templates escape it (and so must Python callers)."""
    return ", ".join(
        _("%(name)s (“%(note)s”)") % {"name": mark.name, "note": mark.note}
        if mark.note
        else mark.name
        for mark in marks
    )


@register.filter
def earlier_marks(marks) -> str:
    """Marks given to an earlier version of a proposal, which no longer count: “India:
    support, given to version 1 (“note”)”. Plain text, like `with_notes`."""
    parts = []
    for mark in marks:
        part = {
            MarkStance.SUPPORT: _("%(name)s: support, given to version %(version)s"),
            MarkStance.CAN_ACCEPT: _("%(name)s: can accept, given to version %(version)s"),
            MarkStance.RESERVATION: _("%(name)s: reservation, given to version %(version)s"),
        }.get(mark.stance, _("%(name)s: opposition, given to version %(version)s")) % {
            "name": mark.name,
            "version": mark.version,
        }
        if mark.note:
            part += f" (“{mark.note}”)"
        parts.append(part)
    return "; ".join(parts)


# A run of non-space characters at least this long that crosses from one diff segment to the
# next gets a break opportunity at the crossing (see `wrappable`).
LONG_RUN = 20
_RUN = re.compile(r"\S+")


@register.filter
def wrappable(segments) -> list[tuple[str, str, bool]]:
    """A word diff's segments as ``(op, text, break_before)`` for the PDFs.

    WeasyPrint cannot break a run of non-space characters that crosses from one inline box
    into the next (a deletion, then an insertion), whatever ``overflow-wrap`` says: a run of
    3,999 brackets ran off the page after about 110 characters. ``break_before`` asks for a
    ``<wbr>`` at such a crossing when the run is long; each part then wraps inside its own box.
    Ordinary words and their punctuation never part.
    """
    items = [(s.op, s.text) if hasattr(s, "op") else tuple(s) for s in segments or ()]
    joined = "".join(text for _op, text in items)
    long_runs = [m.span() for m in _RUN.finditer(joined) if m.end() - m.start() >= LONG_RUN]
    result: list[tuple[str, str, bool]] = []
    offset, run = 0, 0
    for op, text in items:
        while run < len(long_runs) and long_runs[run][1] <= offset:
            run += 1
        crossing = run < len(long_runs) and long_runs[run][0] < offset < long_runs[run][1]
        result.append((op, text, bool(result) and crossing))
        offset += len(text)
    return result


@register.filter
def in_words(place) -> str:
    """Where an element sits, in words (`rendering.place_words`); escaped by the template."""
    from drafting.render.rendering import place_words

    return place_words(place)
