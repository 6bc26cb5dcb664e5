"""The small pieces of HTML made in Python outside the Jinja2 macros (`rendering`): the text
core's bracket markup, word diffs and a write form's hidden idempotency field.

Each is built from escaped text (``format_html``, ``conditional_escape``) and its own fixed
tags; `_markup` is the one place the app declares markup safe. Templates reach them through
the filters and tags of ``drafting_text`` and ``idempotency`` (`drafting.templatetags`).
"""

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafting.services.idempotency import FIELD, new_key
from drafting.text import brackets
from drafting.text.diff import Operation


def bracketed(text: str) -> SafeString:
    """Escape ``text`` and mark its brackets and the language inside them.

    ``[`` and ``]`` stay in the text (they are the record); each is wrapped so it is seen,
    and text inside brackets is tinted by depth. Made on each call, kept by no cache of its
    own: the pages that show many texts are kept whole (`page_cache`), and a process that
    remembered each text's markup saved 10-15 ms of the 65-75 ms the working draft's body
    takes to make at scale 1, once for each version of the draft (measured 1 December).
    """
    parts: list[str] = []
    for segment in brackets.segments(text or ""):
        if segment.is_bracket:
            parts.append(format_html('<span class="bracket">{}</span>', segment.text))
        elif segment.depth > 0:
            parts.append(
                format_html(
                    '<span class="unagreed depth-{}">{}</span>', min(segment.depth, 3), segment.text
                )
            )
        else:
            parts.append(str(conditional_escape(segment.text)))
    return _markup(parts)


def render_diff(segments) -> SafeString:
    """A word diff as HTML: insertions in <ins>, deletions in <del>, all text escaped.

    Rendered in Python rather than with an included template: compilations show thousands.
    """
    parts = ['<span class="diff">']
    for segment in segments or ():
        op, text = (segment.op, segment.text) if hasattr(segment, "op") else segment
        escaped = conditional_escape(text)
        if op == Operation.INSERT:
            parts.append(f"<ins>{escaped}</ins>")
        elif op == Operation.DELETE:
            parts.append(f"<del>{escaped}</del>")
        else:
            parts.append(str(escaped))
    if len(parts) == 1:
        parts.append(f"<em>{conditional_escape(_('(empty)'))}</em>")
    parts.append("</span>")
    return _markup(parts)


def idempotency_field() -> SafeString:
    """A write form's hidden field with a fresh idempotency key (one per rendering)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())


def _markup(parts: list[str]) -> SafeString:
    """The one place the app declares markup safe: the text core's bracket markup and word
    diffs, joined from parts built above, each of which escaped its text (format_html,
    conditional_escape) and added only its own fixed tags."""
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped its text (see above)
