"""``{% reads_drafts meeting as reads %}``: whether the user reads the meeting's working
draft, its proposals, compilation and rounds (`permissions.can_read_working_draft`), for
the meeting's navigation: a delegation not taking part is offered no link that refuses it."""

from typing import Any

from django import template

from drafting.access import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def reads_drafts(context: template.Context, meeting: Any) -> bool:
    """No query for the chair's office and the secretariat, nor when the view has asked
    already (`permissions.takes_part` is remembered for the request)."""
    request = context.get("request")
    document = getattr(meeting, "document", None) if meeting is not None else None
    if request is None or document is None:
        return False
    return permissions.can_read_working_draft(request.user, document)
