"""Writing the audit trail (`AuditEvent`): who did what, for which delegation, when, from where.

- `AuditContextMiddleware` remembers the request's client address and browser for the
  duration of the request (a context variable), so services need no request argument.
- Each service writes its own events, inside its transaction, naming what it acted on
  explicitly (as Zulip's ``do_*`` actions do): `record`, or one of the typed helpers
  `record_proposal_act`, `record_element_act`, `record_round_act`, `record_revision_act`.
- Sign-in, sign-out, failed sign-ins, lock-outs and role changes come from Django's and
  django-axes' signals (`connect_signals`, called by the app config).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from drafting.models.audit import AuditAction, AuditEvent


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None
    user_agent: str
    user: Any = None


_origin: ContextVar[RequestOrigin | None] = ContextVar("audit_origin", default=None)
_paused: ContextVar[bool] = ContextVar("audit_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """No events are written inside: restoring a backup re-creates rows, it does not act."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind our TLS proxy, the address the proxy saw (last hop)."""
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None


def origin_of(request: HttpRequest) -> RequestOrigin:
    return RequestOrigin(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        user=getattr(request, "user", None),
    )


@contextmanager
def request_origin(origin: RequestOrigin | None) -> Iterator[None]:
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


class AuditContextMiddleware:
    """Makes the request's origin known to `record` for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_origin(origin_of(request)):
            return self.get_response(request)


def _delegation_id_of(user: Any) -> int | None:
    from drafting.access.permissions import delegation_of

    delegation = delegation_of(user) if user is not None else None
    return delegation.pk if delegation is not None else None


class EventFields(TypedDict, total=False):
    """What an audit event names (only ``action`` is required): who, for which delegation,
    on what, in a short summary; ``request`` gives the origin (else the current request's)."""

    action: Required[str]
    user: Any
    username: str
    delegation_id: int | None
    document_id: int | None
    element_id: int | None
    proposal_id: int | None
    summary: str
    request: HttpRequest | None


def record(**fields: Unpack[EventFields]) -> AuditEvent | None:
    """Write one audit event. The origin comes from `request` or the current request.

    Returns None, writing nothing, inside :func:`paused`.
    """
    return _written(event(**fields))


def _written(made: AuditEvent | None) -> AuditEvent | None:
    if made is not None:
        made.save(force_insert=True)
    return made


def event(**fields: Unpack[EventFields]) -> AuditEvent | None:
    """The event :func:`record` writes, unsaved (for a writer that inserts it with its
    other rows, ``drafting.services.rows``); None inside :func:`paused`."""
    if _paused.get():
        return None
    request, user = fields.get("request"), fields.get("user")
    origin = origin_of(request) if request is not None else _origin.get()
    if not getattr(user, "is_authenticated", False):
        user = None  # anonymous: the username given, if any
    delegation_id = fields.get("delegation_id")
    if delegation_id is None and user is not None:
        delegation_id = _delegation_id_of(user)
    return AuditEvent(
        action=fields["action"],
        user=user,
        username=(user.get_username() if user is not None else fields.get("username", ""))[:150],
        delegation_id=delegation_id,
        document_id=fields.get("document_id"),
        element_id=fields.get("element_id"),
        proposal_id=fields.get("proposal_id"),
        summary=fields.get("summary", "")[:300],
        ip_address=origin.ip_address if origin else None,
        user_agent=origin.user_agent if origin else "",
    )


def sign_in_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The username django-axes records for an attempt, cut to what an account can have
    (150 characters): axes stores it in a 255-character column, and a 5,000-character name
    typed at the sign-in form made that insert fail with a 500 (found by the fuzz)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return str(username or "")[:150]


def current_actor() -> Any:
    """The signed-in user of the current request, if any (for admin and signal events)."""
    origin = _origin.get()
    user = origin.user if origin else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _excerpt(text: str, length: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def proposal_summary(proposal: Any) -> str:
    """What the audit trail says of a proposal: its kind and the start of its words, except
    for a draft (or a discarded one), whose words are its delegation's alone."""
    from drafting.models import PRIVATE_STATUSES

    kind = str(proposal.get_kind_display())
    if proposal.status in PRIVATE_STATUSES:
        return f"{kind}: {PRIVATE_SUMMARY}"
    return f"{kind}: " + _excerpt(proposal.proposed_text or proposal.rationale or "")


# In English, like every summary of the record.
PRIVATE_SUMMARY = "draft (its words are its delegation's own)"


def acting_delegation_id(user: Any) -> int | None:
    """The delegation a signed-in delegate acts for; None for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _delegation_id_of(user)


def record_proposal_act(*, action: str, user: Any, proposal: Any) -> None:
    """One event naming the proposal acted on, as it stands after the act: its document,
    element and summary. The delegation is the actor's when a delegate acts (its own
    proposal, or another's it marks); when the chair's office or the secretariat acts, the
    delegation whose proposal it is."""
    _written(proposal_act_event(action=action, user=user, proposal=proposal))


def proposal_act_event(*, action: str, user: Any, proposal: Any) -> AuditEvent | None:
    """The event :func:`record_proposal_act` writes, unsaved; None inside :func:`paused`."""
    return event(
        action=action,
        user=user,
        delegation_id=acting_delegation_id(user) or proposal.delegation_id,
        document_id=proposal.document_id,
        element_id=proposal.element_id,
        proposal_id=proposal.pk,
        summary=proposal_summary(proposal),
    )


def record_element_act(*, action: str, user: Any, element: Any) -> None:
    """One event naming the element of the working draft acted on, with its text after
    the act."""
    record(
        action=action,
        user=user,
        document_id=element.document_id,
        element_id=element.pk,
        summary=_excerpt(element.text),
    )


def record_round_act(*, action: str, user: Any, round_: Any) -> None:
    """One event naming the consultation round's document, its name and its deadline."""
    record(
        action=action,
        user=user,
        document_id=round_.document_id,
        summary=f"{round_.name} ({round_.deadline:%Y-%m-%d %H:%M} UTC)",
    )


def record_revision_act(*, action: str, user: Any, revision: Any, what: str = "") -> None:
    """One event naming an issued revision (its document and symbol) and, for an export,
    ``what`` was exported of it."""
    record(
        action=action,
        user=user,
        document_id=revision.document_id,
        summary=f"{revision.symbol} {what}".strip(),
    )


# --- signals: sign-in, sign-out, failures, lock-outs, role changes -------------------------


def _on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(action=AuditAction.SIGNED_IN, user=user, request=request)


def _on_signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action=AuditAction.SIGNED_OUT, user=user, request=request)


def _on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    match = getattr(request, "resolver_match", None)
    record(
        action=AuditAction.SIGN_IN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        summary="wrong current password on the change-password form"
        if match is not None and match.url_name == "password_change"
        else "",
        request=request,
    )


def _on_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any
) -> None:
    record(
        action=AuditAction.LOCKED_OUT,
        username=str(username or "")[:150],
        request=request,
    )


def _on_groups_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, model: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from drafting.models import Delegation

    verb = {"post_add": "added to", "post_remove": "removed from", "post_clear": "cleared from"}
    if isinstance(instance, Delegation):
        # Delegation.members: States joining or leaving a group (who it speaks for).
        names = ", ".join(
            Delegation.objects.filter(pk__in=pk_set or ()).values_list("short_name", flat=True)
        )
        record(
            action=AuditAction.ROLE_CHANGED,
            user=current_actor(),
            delegation_id=instance.pk,
            summary=f"{names or 'all members'} {verb[action]} {instance.short_name}",
        )
        return
    names = ", ".join(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    if isinstance(instance, get_user_model()):
        record(
            action=AuditAction.ROLE_CHANGED,
            user=current_actor(),
            summary=f"{instance.get_username()} {verb[action]} {names or 'all roles'}",
        )


def _on_permissions_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, model: Any, **kwargs: Any
) -> None:
    """Permissions given to or taken from one account, or a role group (a change of role
    for everyone in it)."""
    if action not in {"post_add", "post_remove", "post_clear"} or (
        action != "post_clear" and not pk_set
    ):
        return
    from django.contrib.auth.models import Group, Permission

    verb = {"post_add": "given", "post_remove": "taken away", "post_clear": "all taken away"}
    names = ", ".join(
        Permission.objects.filter(pk__in=pk_set or ()).values_list("codename", flat=True)
    )
    holder = f"group {instance.name}" if isinstance(instance, Group) else instance.get_username()
    record(
        action=AuditAction.ROLE_CHANGED,
        user=current_actor(),
        summary=f"{holder}: permissions {verb[action]} {names}".strip(),
    )


def _on_user_created(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    flags = [
        _account_field(flag) for flag in ("is_staff", "is_superuser") if getattr(instance, flag)
    ]
    record(
        action=AuditAction.ACCOUNT_CHANGED,
        user=current_actor(),
        summary=f"{instance.get_username()}: account created"
        + (f" ({', '.join(flags)})" if flags else ""),
    )


def _on_profile_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    record(
        action=AuditAction.ROLE_CHANGED,
        user=current_actor(),
        delegation_id=instance.delegation_id,
        summary=f"{instance.user.get_username()} now delegate of {instance.delegation.short_name}",
    )


def _on_profile_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record(
        action=AuditAction.ROLE_CHANGED,
        user=current_actor(),
        delegation_id=instance.delegation_id,
        summary=f"{instance.user.get_username()} no longer a delegate",
    )


_WATCHED_ACCOUNT_FIELDS = ("is_active", "is_staff", "is_superuser", "password")


def _account_field(field: str) -> str:
    """The account field as the admin names it ("staff status"), not its column ("is_staff"):
    the audit trail is read by the secretariat."""
    from django.contrib.auth import get_user_model

    model_field = get_user_model()._meta.get_field(field)
    return str(getattr(model_field, "verbose_name", field))


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def _on_user_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    before = sender.objects.filter(pk=instance.pk).values(*_WATCHED_ACCOUNT_FIELDS).first()
    if before is None:
        return
    changed = [
        field for field in _WATCHED_ACCOUNT_FIELDS if before[field] != getattr(instance, field)
    ]
    if changed:
        summary = ", ".join(
            "password changed"
            if field == "password"
            else f"{_account_field(field)} {_yes_no(before[field])} → "
            f"{_yes_no(getattr(instance, field))}"
            for field in changed
        )
        record(
            action=AuditAction.ACCOUNT_CHANGED,
            user=current_actor(),
            summary=f"{instance.get_username()}: {summary}",
        )


def _on_admin_logged(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    record(
        action=AuditAction.ADMIN_CHANGE,
        user=instance.user,
        summary=f"{instance.get_action_flag_display()}: {instance.object_repr}",
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    from drafting.models import DelegateProfile, Delegation

    user_model = get_user_model()
    user_logged_in.connect(_on_signed_in, dispatch_uid="audit_signed_in")
    user_logged_out.connect(_on_signed_out, dispatch_uid="audit_signed_out")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
    m2m_changed.connect(
        _on_groups_changed, sender=user_model.groups.through, dispatch_uid="audit_groups"
    )
    m2m_changed.connect(
        _on_groups_changed, sender=Delegation.members.through, dispatch_uid="audit_members"
    )
    m2m_changed.connect(
        _on_permissions_changed,
        sender=user_model.user_permissions.through,
        dispatch_uid="audit_user_permissions",
    )
    m2m_changed.connect(
        _on_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit_group_permissions",
    )
    post_save.connect(_on_user_created, sender=user_model, dispatch_uid="audit_account_created")
    post_save.connect(_on_profile_saved, sender=DelegateProfile, dispatch_uid="audit_profile")
    post_delete.connect(
        _on_profile_deleted, sender=DelegateProfile, dispatch_uid="audit_profile_deleted"
    )
    pre_save.connect(_on_user_saving, sender=user_model, dispatch_uid="audit_account")
    post_save.connect(_on_admin_logged, sender=LogEntry, dispatch_uid="audit_admin")
