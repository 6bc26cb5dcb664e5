from typing import Any

from django.http import HttpRequest

from drafting import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows depends on the user's role."""
    user = request.user
    return {
        "nav_role": permissions.role_label(user),
        "nav_can_read_drafts": permissions.is_delegate(user)
        or permissions.is_chairs_office(user)
        or permissions.is_secretariat(user),
        "nav_can_administer": permissions.can_administer(user),
        "nav_can_read_audit": permissions.can_read_audit_trail(user),
        "nav_is_delegate": permissions.is_delegate(user),
        "nav_is_chair": permissions.is_chairs_office(user),
    }
