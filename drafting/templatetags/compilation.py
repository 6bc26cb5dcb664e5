"""The compilation's proposal blocks, rendered in Python.

A compilation shows thousands of proposals; rendering each block through the template engine
cost about a millisecond, most of it variable lookups. This builds the same escaped markup
with ``escape``; the page template still lays out everything around it.

Each block is split in two: what the proposal shows (who, kind, status, the word diff, the
marks), which depends only on the proposal's version and is cached (`page_cache`), and the
chair's decision form, which holds a per-request CSRF token and idempotency key and is added
on every view.
"""

import uuid
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drafting.models import ElementKind, ProposalKind, ProposalStatus
from drafting.templatetags.document import ANY_ID
from drafting.templatetags.drafting_text import bracketed, earlier_marks, render_diff, with_notes

register = template.Library()
ANY_PROPOSAL = uuid.UUID(int=0)  # stands for a proposal's public id in a reversed URL


def block_words(slug: str) -> dict[str, Any]:
    """Escaped labels and links for the blocks of meeting ``slug``, in the active language
    (looked up once per page)."""
    return {
        "detail": reverse("proposal_detail", args=[slug, ANY_PROPOSAL]),
        **proposal_labels(),
        "supported": escape(_("Supported by:")),
        "opposed": escape(_("opposed by:")),
        "earlier": escape(_("Given to an earlier version, no longer counted:")),
        "co_sponsored": escape(_("co-sponsored by")),
    }


def proposal_block(proposal, segments, marks, words: dict[str, Any]) -> str:
    """What one proposal shows, as an unclosed ``<li>``: every value from the database goes
    through ``escape``."""
    public_id = str(proposal.public_id)
    url = escape(words["detail"].replace(str(ANY_PROPOSAL), public_id))
    behalf = f" {escape(behalf_text(proposal))}" if proposal.on_behalf_of_id else ""
    # Accepted co-sponsors only (an invitation not yet accepted names nobody).
    sponsors = [sponsor.short_name for sponsor in proposal.co_sponsors.all()]
    if sponsors:
        behalf += f"; {words['co_sponsored']} {escape(', '.join(sponsors))}"
    parts = [
        f'<li class="compiled-proposal"><p class="who"><a href="{url}">'
        f"{escape(proposal.delegation.name)}</a>{behalf} · {words['kinds'][proposal.kind]} "
        f"{_status(proposal, words)}</p>",
        _wording(proposal, segments, comment="rationale", note="rationale muted"),
    ]
    shown = []
    if marks.supporters:
        shown.append(f"{words['supported']} {escape(with_notes(marks.supporting))}")
    if marks.opponents:
        shown.append(f"{words['opposed']} {escape(with_notes(marks.opposing))}")
    parts.append(f'<p class="muted marks-line">{"; ".join(shown)}</p>')
    if marks.earlier:
        parts.append(
            f'<p class="muted marks-earlier">{words["earlier"]} '
            f"{escape(earlier_marks(marks.earlier))}</p>"
        )
    return "".join(parts)


def proposal_labels() -> dict[str, dict[str, str]]:
    """Escaped labels of proposal kinds and statuses, in the active language: translated
    here, once (the choices' labels are lazy, and so is ``escape`` of a lazy string: used as
    they are, each use of a label translated it again)."""
    return {
        "kinds": {value: escape(str(label)) for value, label in ProposalKind.choices},
        "statuses": {value: escape(str(label)) for value, label in ProposalStatus.choices},
    }


def behalf_text(proposal) -> str:
    """ "on behalf of <group>" for a proposal made for a group (not escaped)."""
    return _("on behalf of %(group)s") % {"group": proposal.on_behalf_of.short_name}


def _status(proposal, words: dict[str, Any]) -> str:
    status = proposal.status
    label = words["statuses"][status]
    if getattr(proposal, "withdrawn_after_deadline", False) and status == "withdrawn":
        label = escape(proposal.status_label)
    return f'<span class="status status-{escape(status)}">{label}</span>'


def _wording(proposal, segments, *, comment: str, note: str) -> str:
    """A comment's text, or the word diff with the rationale under it (classes as given)."""
    if proposal.kind == "comment":
        css = f' class="{comment}"' if comment else ""
        return f"<p{css}>{escape(proposal.rationale)}</p>"
    wording = f'<p class="diff-text">{render_diff(segments)}</p>'
    if proposal.rationale:
        wording += f'<p class="{note}">{escape(proposal.rationale)}</p>'
    return wording


@register.simple_tag
def select_options(choices, selected: str) -> SafeString:
    """``<option>`` elements for (value, label) pairs, ``selected`` marked: two hundred
    delegations through the template engine cost about 20 ms."""
    return mark_safe(  # noqa: S308 - values and labels are escaped
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


@register.simple_tag(takes_context=True)
def compiled_rows(context, rows, meeting, can_decide: bool) -> SafeString:
    """The compilation's rows: each element of the draft with its proposals under it (an
    element's template cost about half a millisecond; a compilation shows hundreds)."""
    if not rows:
        return format_html("<p>{}</p>", _("No proposal matches these filters."))
    forms: dict[str, Any] = {}
    if can_decide:
        request = context["request"]
        forms["decide"] = escape(reverse("quick_decision", args=[meeting.slug]))
        forms["csrf"] = escape(get_token(request))
        forms["path"] = escape(request.get_full_path())
        forms["words"] = {
            key: escape(text)
            for key, text in {
                "note": _("Note to the delegation"),
                "note_placeholder": _("Note to the delegation (optional)"),
                "accept": _("Accept"),
                "reject": _("Reject"),
                "defer": _("Defer"),
            }.items()
        }
        forms["review"] = reverse("element_review", args=[meeting.slug, ANY_ID])
    words = {
        "kinds": {value: escape(str(label)) for value, label in ElementKind.choices},
        "empty": escape(_("(empty bullet)")),
        "deleted": escape(_("deleted")),
        "review": escape(_("review and compose")),
    }
    parts = []
    for row in rows:
        element = row.element
        kind = words["kinds"].get(element.kind, escape(element.kind))
        label = escape(element.label)
        text = (
            bracketed(element.text) if element.text else f'<em class="muted">{words["empty"]}</em>'
        )
        parts.append(
            f'<section class="compiled depth-{row.depth}" id="e-{element.id}" '
            f'aria-label="{kind} {label}"><p class="compiled-text">'
            f'<span class="label">{label}</span> {text}'
        )
        if element.status == "deleted":
            parts.append(f' <span class="status-badge deleted">{words["deleted"]}</span>')
        if row.open_count:
            count = ngettext(
                "%(counter)s open proposal", "%(counter)s open proposals", row.open_count
            ) % {"counter": row.open_count}
            parts.append(f' <span class="open-count">{escape(count)}</span>')
        if can_decide:
            review = escape(forms["review"].replace(str(ANY_ID), str(element.id)))
            parts.append(f' <a class="review-link" href="{review}">{words["review"]}</a>')
        parts.append("</p>")
        if row.proposals:
            parts.append('<ul class="compiled-proposals">')
            for entry, html in row.proposals:
                parts.append(html)
                if can_decide and entry.status in {"submitted", "deferred"}:
                    parts.append(_decision_form(entry, element.id, forms))
                parts.append("</li>")
            parts.append("</ul>")
        parts.append("</section>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _decision_form(entry, element_id: int, forms: dict[str, Any]) -> str:
    words, public_id = forms["words"], escape(entry.public_id)
    defer = (
        f'<button type="submit" name="action" value="defer">{words["defer"]}</button>'
        if entry.status == "submitted"
        else ""
    )
    return (
        f'<form method="post" action="{forms["decide"]}" class="decision-form" '
        f"data-submit-once>"
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{forms["csrf"]}">'
        f'<input type="hidden" name="proposal" value="{public_id}">'
        f'<input type="hidden" name="version" value="{int(entry.proposal_version)}">'
        f'<input type="hidden" name="idempotency_key" value="{uuid.uuid4()}">'
        f'<input type="hidden" name="back" value="{forms["path"]}#e-{element_id}">'
        f'<label for="note-{public_id}" class="visually-hidden">{words["note"]}</label>'
        f'<input type="text" name="note" id="note-{public_id}" '
        f'placeholder="{words["note_placeholder"]}">'
        f'<button type="submit" name="action" value="accept" class="primary">'
        f"{words['accept']}</button>"
        f'<button type="submit" name="action" value="reject">{words["reject"]}</button>'
        f"{defer}</form>"
    )


@register.simple_tag
def review_cards(cards, chosen_ids) -> SafeString:
    """Review and compose: one card per proposal on the element, with its checkbox while it
    is open (the chair's office reviews elements with hundreds of proposals)."""
    words = {
        **proposal_labels(),
        "support": escape(_("Support")),
        "opposition": escape(_("Opposition")),
        "choose": escape(_("choose / cite")),
    }
    parts = []
    for card in cards:
        proposal, marks = card.proposal, card.marks
        public_id = escape(str(proposal.public_id))
        behalf = ""
        if proposal.on_behalf_of_id:
            behalf = f' <span class="muted">{escape(behalf_text(proposal))}</span>'
        status = proposal.status
        parts.append(
            f'<article class="card" aria-labelledby="card-{public_id}">'
            f'<h3 id="card-{public_id}">{escape(proposal.delegation.name)}{behalf}</h3>'
            f'<p class="muted">{words["kinds"][proposal.kind]} · {_status(proposal, words)}</p>'
            + _wording(proposal, card.segments, comment="", note="muted")
        )
        support = str(marks.support_count)
        if marks.supporters:
            support += f" ({escape(with_notes(marks.supporting))})"
        opposition = str(marks.opposition_count)
        if marks.opponents:
            opposition += f" ({escape(with_notes(marks.opposing))})"
        parts.append(
            f'<p class="muted">{words["support"]}: {support} · '
            f"{words['opposition']}: {opposition}</p>"
        )
        if status in {"submitted", "deferred"}:
            checked = " checked" if str(proposal.public_id) in chosen_ids else ""
            parts.append(
                f'<label class="choose"><input type="checkbox" name="proposal" '
                f'value="{public_id}"{checked}> {words["choose"]}</label>'
                f'<input type="hidden" name="version-{public_id}" '
                f'value="{int(proposal.version)}">'
            )
        parts.append("</article>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
