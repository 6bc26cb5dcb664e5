"""The secretariat sets up meetings: thin views over ``drafting.services.meetings``."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafting.access import permissions
from drafting.meeting_forms import (
    CoordinatorsForm,
    CopyFromForm,
    MeetingSetupForm,
    ParticipantsForm,
    setup_initial,
)
from drafting.models import Delegation, Document, GroupCoordinator, Meeting, Participation
from drafting.models.meeting import GROUP_KINDS
from drafting.services import meetings as services
from drafting.web.errors import DomainError

# What a copied meeting takes from the earlier one into the form (the rest is new).
COPIED_SETTINGS = ("venue", "chair", "symbol_prefix", "time_zone")


def _require_secretariat(request: HttpRequest) -> None:
    if not permissions.can_set_up_meetings(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    """A new meeting, blank or copied from an earlier one (``?copy_from=<slug>``)."""
    _require_secretariat(request)
    copy_form = CopyFromForm(request.POST if request.method == "POST" else request.GET)
    copy_from = copy_form.cleaned_data["copy_from"] if copy_form.is_valid() else None
    if request.method == "POST":
        form = MeetingSetupForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    user=request.user,
                    setup=form.setup(),
                    today=timezone.localdate(),
                    copy_from=copy_from,
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request, _("%(meeting)s is set up.") % {"meeting": meeting.short_title}
                )
                return redirect("meeting_setup", meeting.slug)
    else:
        initial: dict[str, Any] = {}
        if copy_from is not None:
            earlier = setup_initial(copy_from)
            initial = {field: earlier[field] for field in COPIED_SETTINGS}
        form = MeetingSetupForm(initial=initial)
    return render(
        request,
        "drafting/meeting_create.html",
        {"form": form, "copy_form": copy_form, "copy_from": copy_from},
        status=400 if request.method == "POST" else 200,
    )


def _participants_context(
    meeting: Meeting, participants_form: ParticipantsForm, coordinators_form: Any
) -> dict[str, Any]:
    return {
        "participant_groups": participants_form.by_kind(
            list(Delegation.objects.only("id", "name", "short_name", "kind").order_by("name")),
            set(
                Participation.objects.filter(meeting=meeting).values_list(
                    "delegation_id", flat=True
                )
            ),
        ),
        "participants_form": participants_form,
        "coordinators_form": coordinators_form,
    }


def _coordinators_form(meeting: Meeting, data: Any = None) -> CoordinatorsForm:
    """The participating groups, each with its participating State members (four queries)."""
    taking_part = set(
        Participation.objects.filter(meeting=meeting).values_list("delegation_id", flat=True)
    )
    groups = list(
        Delegation.objects.filter(pk__in=taking_part, kind__in=GROUP_KINDS)
        .order_by("name")
        .prefetch_related("members")
    )
    current = dict(
        GroupCoordinator.objects.filter(meeting=meeting).values_list("group_id", "delegation_id")
    )
    return CoordinatorsForm(data, groups=groups, taking_part=taking_part, current=current)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_setup(request: HttpRequest, slug: str) -> HttpResponse:
    """The meeting's details, its participants and its groups' coordinators: three forms on
    one page (``section`` says which was sent), and what comes next."""
    _require_secretariat(request)
    meeting = get_object_or_404(Meeting, slug=slug)
    section = request.POST.get("section") if request.method == "POST" else None
    data = request.POST if section else None
    details = MeetingSetupForm(
        data if section == "details" else None, meeting=meeting, initial=setup_initial(meeting)
    )
    participants = ParticipantsForm(data if section == "participants" else None)
    coordinators = _coordinators_form(meeting, data if section == "coordinators" else None)
    try:
        if section == "details" and details.is_valid():
            meeting = services.meeting_update(
                user=request.user,
                meeting=meeting,
                setup=details.setup(),
                today=timezone.localdate(),
            )
            messages.success(request, _("The meeting's details are saved."))
            return redirect("meeting_setup", meeting.slug)
        if section == "participants" and participants.is_valid():
            added, removed = services.meeting_participants_set(
                user=request.user,
                meeting=meeting,
                delegations=participants.cleaned_data["delegations"],
            )
            messages.success(
                request,
                _("Participants saved: %(added)s added, %(removed)s removed.")
                % {"added": len(added), "removed": len(removed)},
            )
            return redirect("meeting_setup", meeting.slug)
        if section == "coordinators" and coordinators.is_valid():
            services.meeting_coordinators_set(
                user=request.user, meeting=meeting, coordinators=coordinators.coordinators()
            )
            messages.success(request, _("Group coordinators saved."))
            return redirect("meeting_setup", meeting.slug)
    except DomainError as refused:
        {"details": details, "participants": participants, "coordinators": coordinators}[
            section or "details"
        ].add_error(None, str(refused))
    return render(
        request,
        "drafting/meeting_setup.html",
        {
            "meeting": meeting,
            "form": details,
            "has_document": Document.objects.filter(meeting=meeting).exists(),
            "section": section,
            **_participants_context(meeting, participants, coordinators),
        },
        status=400 if section else 200,
    )
