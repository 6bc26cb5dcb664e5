"""The compilation's proposal blocks, rendered in Python.

A compilation shows thousands of proposals; rendering each block through the template engine
cost about a millisecond, most of it variable lookups. This builds the same escaped markup
with ``format_html``; the page template still lays out everything around it.
"""

import uuid

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafting.models import ProposalKind, ProposalStatus
from drafting.templatetags.drafting_text import render_diff

register = template.Library()
_PLACEHOLDER = uuid.UUID(int=0)


@register.simple_tag(takes_context=True)
def compiled_proposals(context, row, meeting, can_decide: bool) -> SafeString:
    """The list of proposals under one element of the compilation."""
    if not row.proposals:
        return mark_safe("")
    request = context["request"]
    cache = context.render_context.setdefault("compiled_proposals", {})
    if not cache:
        cache["detail"] = reverse("proposal_detail", args=[meeting.slug, _PLACEHOLDER])
        cache["decide"] = escape(reverse("quick_decision", args=[meeting.slug]))
        cache["csrf"] = escape(get_token(request))
        cache["path"] = escape(request.get_full_path())
        cache["kinds"] = {value: escape(label) for value, label in ProposalKind.choices}
        cache["statuses"] = {value: escape(label) for value, label in ProposalStatus.choices}
        cache["words"] = {
            key: escape(text)
            for key, text in {
                "supported": _("Supported by:"),
                "opposed": _("opposed by:"),
                "note": _("Note to the delegation"),
                "note_placeholder": _("Note to the delegation (optional)"),
                "accept": _("Accept"),
                "reject": _("Reject"),
                "defer": _("Defer"),
            }.items()
        }
    items = "".join(_proposal(item, row, cache, can_decide) for item in row.proposals)
    return mark_safe(f'<ul class="compiled-proposals">{items}</ul>')  # noqa: S308 - escaped parts


def _proposal(item, row, cache, can_decide: bool) -> str:
    """One proposal block; every value from the database goes through ``escape``."""
    proposal, words = item.proposal, cache["words"]
    public_id = str(proposal.public_id)
    url = escape(cache["detail"].replace(str(_PLACEHOLDER), public_id))
    behalf = ""
    if proposal.on_behalf_of_id:
        behalf = " " + escape(
            _("on behalf of %(group)s") % {"group": proposal.on_behalf_of.short_name}
        )
    status = proposal.status
    parts = [
        f'<li class="compiled-proposal"><p class="who"><a href="{url}">'
        f"{escape(proposal.delegation.name)}</a>{behalf} · {cache['kinds'][proposal.kind]} "
        f'<span class="status status-{escape(status)}">{cache["statuses"][status]}</span></p>'
    ]
    if proposal.kind == "comment":
        parts.append(f'<p class="rationale">{escape(proposal.rationale)}</p>')
    else:
        parts.append(f'<p class="diff-text">{render_diff(item.segments)}</p>')
        if proposal.rationale:
            parts.append(f'<p class="rationale muted">{escape(proposal.rationale)}</p>')
    marks = []
    if item.marks.supporters:
        marks.append(f"{words['supported']} {escape(', '.join(item.marks.supporters))}")
    if item.marks.opponents:
        marks.append(f"{words['opposed']} {escape(', '.join(item.marks.opponents))}")
    parts.append(f'<p class="muted marks-line">{"; ".join(marks)}</p>')
    if can_decide and status in {"submitted", "deferred"}:
        defer = (
            f'<button type="submit" name="action" value="defer">{words["defer"]}</button>'
            if status == "submitted"
            else ""
        )
        parts.append(
            f'<form method="post" action="{cache["decide"]}" class="decision-form" '
            f"data-submit-once>"
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{cache["csrf"]}">'
            f'<input type="hidden" name="proposal" value="{public_id}">'
            f'<input type="hidden" name="idempotency_key" value="{uuid.uuid4()}">'
            f'<input type="hidden" name="back" value="{cache["path"]}#e-{row.element.id}">'
            f'<label for="note-{public_id}" class="visually-hidden">{words["note"]}</label>'
            f'<input type="text" name="note" id="note-{public_id}" '
            f'placeholder="{words["note_placeholder"]}">'
            f'<button type="submit" name="action" value="accept" class="primary">'
            f"{words['accept']}</button>"
            f'<button type="submit" name="action" value="reject">{words["reject"]}</button>'
            f"{defer}</form>"
        )
    parts.append("</li>")
    return "".join(parts)
