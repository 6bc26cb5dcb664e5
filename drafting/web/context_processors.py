import functools
import hashlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest

from drafting.access import permissions
from drafting.render.enums import TEMPLATE_ENUMS
from drafting.web import time_zones


def _second_factor_pending(user: Any) -> bool:
    """Signed in by password alone where a second factor is required: only set-up is open."""
    is_verified = getattr(user, "is_verified", None)
    return bool(
        settings.OTP_REQUIRED
        and user.is_authenticated
        and permissions.requires_second_factor(user)
        and not (is_verified is not None and is_verified())
    )


def enums(request: HttpRequest) -> Mapping[str, Any]:
    """The enums templates compare against (``ElementStatus.DELETED``): one constant mapping."""
    return TEMPLATE_ENUMS


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows depends on the user's role (`navigation_flags`), the
    meeting's time zone, the unread notices and an undo just offered."""
    user = request.user
    return {
        **navigation_flags(user),
        # The zone times are shown in: the meeting's, on its pages ("Geneva time").
        "time_zone_label": time_zones.current_label(),
        # The delegation's notices since the user last read them: counted (one query) only
        # where a page shows the count, once.
        "nav_unread": _unread(user) if permissions.is_delegate(user) else 0,
        # Offered once, on the page after a decision (drafting.views.chair._offer_undo).
        "undo_offer": _undo_offer(request),
    }


def navigation_flags(user: Any) -> dict[str, Any]:
    """What the navigation shows of the user's roles: a function of the user alone.

    Until the chair's office or the secretariat have proved their second factor, every page
    but the set-up page sends them back to it, so the links to those pages are not shown.
    """
    pending = _second_factor_pending(user)
    is_delegate, is_chair = permissions.is_delegate(user), permissions.is_chairs_office(user)
    can_administer = permissions.can_administer(user) and not pending
    return {
        "nav_role": permissions.role_label(user),
        "nav_can_read_drafts": is_delegate or is_chair or permissions.is_secretariat(user),
        "nav_can_administer": can_administer,
        "nav_can_read_audit": permissions.can_read_audit_trail(user) and not pending,
        "nav_is_delegate": is_delegate,
        "nav_is_chair": is_chair,
        "nav_can_set_up_meetings": permissions.can_set_up_meetings(user) and not pending,
        "nav_can_invite": can_administer or (is_delegate and permissions.is_focal_point(user)),
    }


def header_key(user: Any) -> str:
    """A digest of what a page's header shows of the signed-in user (their name, the
    navigation's flags) and of the static files' names (by content, once deployed: see
    `static_files_version`): a page cached whole for the user is kept under it
    (`page_cache.delegation_page`)."""
    shown = repr(
        (
            user.pk,
            user.get_full_name(),
            user.username,
            sorted(navigation_flags(user).items()),
            static_files_version(),
        )
    )
    return hashlib.md5(shown.encode(), usedforsecurity=False).hexdigest()


def reader_header_key(request: HttpRequest, page_path: str) -> str:
    """What a page's header shows of the reader (`header_key`); signed out, the sign-in link
    back to the page (a public page kept whole: an issued revision, a comparison), which
    goes to ``page_path``: the page's own address, of the parameters it reads only (the
    view gives it to the template as ``sign_in_next``), so that other parameters make no
    other page. Worked out on each call (once a request): nothing here may keep the
    request."""
    if request.user.is_authenticated:
        return header_key(request.user)
    return f"anonymous:{static_files_version()}:{page_path}"


def static_files_version() -> str:
    """The static files' manifest's digest (their names are by content), read once a process:
    a page cached before a deploy that changed them links the old names, so is not used
    after it. Empty without a manifest (development, the tests)."""
    return getattr(staticfiles_storage, "manifest_hash", "")


def _unread(user: Any) -> Any:
    from drafting.services.notifications import unread_count

    return functools.cache(lambda: unread_count(user))


# The session's key for the Undo the chair's office is offered once, with the message of a
# decision (`views.chair._offer_undo`): shown only beside that message, and a page showing a
# message is never kept whole.
UNDO_OFFER = "drafting_undo_offer"


def _undo_offer(request: HttpRequest) -> dict[str, Any] | None:
    session = getattr(request, "session", None)
    if session is None or UNDO_OFFER not in session:
        return None
    offer = session.pop(UNDO_OFFER)
    return offer if permissions.is_chairs_office(request.user) else None
