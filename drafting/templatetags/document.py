"""The body of a document page (working draft or revision), rendered in Python.

The element tree was rendered with a recursive ``{% include %}`` per element; for 400
elements that cost most of the page (template lookups, ``{% url %}`` and number
localisation per element). This builds the same markup in one pass, escaping every value.
"""

import re

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drafting.presenters import ElementView
from drafting.templatetags.drafting_text import bracketed

register = template.Library()
ANY_ID = 987654321  # placeholder id in URLs reversed once per page


@register.simple_tag(takes_context=True)
def document_body(context, document_view, meeting) -> SafeString:
    if context.get("body_html") is not None:
        return context["body_html"]  # rendered before, from the cache (see views.documents)
    return render_body(
        document_view,
        slug=meeting.slug,
        counts=context.get("proposal_counts") or {},
        can_propose=bool(context.get("can_propose")),
        history=bool(context.get("show_history_links")),
    )


def render_body(
    document_view, *, slug: str, counts: dict | None, can_propose: bool, history: bool
) -> SafeString:
    """The element tree as HTML. With ``counts=None`` each element's proposal count is left
    as a marker for :func:`fill_counts`, so the body can be cached while counts change."""
    renderer = _Renderer(slug=slug, counts=counts, can_propose=can_propose, history=history)
    return mark_safe("".join(renderer.element(e) for e in document_view.elements))  # noqa: S308


_COUNT_MARKER = re.compile(r"<!--proposals:(\d+)-->")


def split_at_counts(body: str) -> tuple[str, ...]:
    """A body rendered with ``counts=None`` cut at its count markers: the markup between
    them, with each marker's element id in between (odd places). Cached with the body, so
    that :func:`fill_counts` only joins."""
    return tuple(_COUNT_MARKER.split(body))


def fill_counts(parts: tuple[str, ...], counts: dict[int, int], slug: str) -> SafeString:
    """Put the open proposal counts into a body cut by :func:`split_at_counts`."""
    renderer = _Renderer(slug=slug, counts=counts, can_propose=False, history=False)
    pieces = list(parts)
    for index in range(1, len(pieces), 2):
        pieces[index] = renderer.count_link(int(pieces[index]))
    # The body was escaped when rendered; the links are ours.
    return mark_safe("".join(pieces))  # noqa: S308


class _Renderer:
    def __init__(self, *, slug: str, counts: dict | None, can_propose: bool, history: bool) -> None:
        self.counts, self.can_propose, self.history = counts, can_propose, history
        self.count_labels: dict[int, str] = {}
        self.urls = {
            name: reverse(name, args=[slug, ANY_ID])
            for name in ("element_proposals", "propose", "element_history")
        }
        self.words = {
            "deleted": escape(_("deleted")),
            "agreed": escape(_("agreed ad ref.")),
            "propose": escape(_("propose")),
            "propose_language": escape(_("propose language")),
            "for_empty": escape(_("for this empty bullet")),
            "history": escape(_("history")),
            "of_empty": escape(_("of this empty bullet")),
            "empty": escape(_("Empty bullet: open for proposals")),
        }

    def url(self, name: str, element_id: int) -> str:
        return self.urls[name].replace(str(ANY_ID), str(element_id))

    def count_link(self, element_id: int) -> str:
        count = (self.counts or {}).get(element_id)
        if not count:
            return ""
        # A page holds hundreds of these: the link's text is made once per count.
        label = self.count_labels.get(count)
        if label is None:
            label = escape(
                ngettext("%(count)s proposal", "%(count)s proposals", count) % {"count": count}
            )
            self.count_labels[count] = label
        return (
            f' <a class="proposals-link" href="{self.url("element_proposals", element_id)}">'
            f"{label}</a>"
        )

    def links(self, element: ElementView, *, placeholder: bool) -> str:
        words, parts = self.words, []
        if self.counts is None:
            parts.append(f"<!--proposals:{element.id}-->")
        else:
            parts.append(self.count_link(element.id))
        if self.can_propose and (placeholder or element.status != "deleted"):
            hidden = (
                words["for_empty"]
                if placeholder
                else escape(_("a change to this %(kind)s") % {"kind": element.kind})
            )
            text = words["propose_language"] if placeholder else words["propose"]
            parts.append(
                f' <a class="propose-link" href="{self.url("propose", element.id)}">{text}'
                f'<span class="visually-hidden"> {hidden}</span></a>'
            )
        if self.history:
            if placeholder:
                hidden = words["of_empty"]
            else:
                hidden = escape(
                    _("of %(kind)s %(label)s ") % {"kind": element.kind, "label": element.label}
                ) + escape(Truncator(element.text).words(6))
            parts.append(
                f' <a class="history-link" href="{self.url("element_history", element.id)}">'
                f'{words["history"]}<span class="visually-hidden"> {hidden}</span></a>'
            )
        return "".join(parts)

    def text(self, element: ElementView) -> str:
        words = self.words
        if element.status == "deleted":
            parts = [
                f'<del class="text">{bracketed(element.text)}</del> '
                f'<span class="status-badge deleted">{words["deleted"]}</span>'
            ]
        else:
            parts = [f'<span class="text">{bracketed(element.text)}</span>']
        for footnote in element.footnotes:
            number = footnote.number
            aria = escape(_("Footnote %(n)s") % {"n": number})
            parts.append(
                f'<sup class="fn-ref"><a href="#fn-{number}" id="fnref-{number}" '
                f'aria-label="{aria}">{number}</a></sup>'
            )
        if element.status == "agreed_ad_ref":
            parts.append(f' <span class="status-badge agreed">{words["agreed"]}</span>')
        parts.append(self.links(element, placeholder=False))
        return "".join(parts)

    def blocks(self, element: ElementView) -> str:
        parts = []
        for block in element.blocks:
            inner = "".join(self.element(child) for child in block.items)
            parts.append(f'<ul class="bullets">{inner}</ul>' if block.is_list else inner)
        return "".join(parts)

    def element(self, element: ElementView) -> str:
        element_id, label = element.id, escape(element.label)
        if element.kind == "agenda_item":
            brackets = ngettext(
                "%(counter)s open bracket in this item",
                "%(counter)s open brackets in this item",
                element.subtree_open_brackets,
            ) % {"counter": element.subtree_open_brackets}
            return (
                f'<section class="agenda-item" id="e-{element_id}" '
                f'aria-labelledby="h-{element_id}"><h2 id="h-{element_id}">'
                f'<span class="label">{label}</span> <span class="heading-text">'
                f"{self.text(element)}</span></h2>"
                f'<p class="bracket-count">{escape(brackets)}</p>{self.blocks(element)}</section>'
            )
        if element.kind == "section":
            unnumbered = "" if element.label else " unnumbered"
            prefix = f'<span class="label">{label}</span> ' if element.label else ""
            return (
                f'<section class="section{unnumbered}" id="e-{element_id}" '
                f'aria-labelledby="h-{element_id}"><h3 id="h-{element_id}">{prefix}'
                f"{self.text(element)}</h3>{self.blocks(element)}</section>"
            )
        if element.kind == "placeholder":
            return (
                f'<li class="placeholder" id="e-{element_id}"><span class="placeholder-note">'
                f"{self.words['empty']}</span>{self.links(element, placeholder=True)}</li>"
            )
        return (
            f'<li class="{escape(element.kind)}" id="e-{element_id}" data-label="{label}">'
            f"{self.text(element)}{self.blocks(element)}</li>"
        )
