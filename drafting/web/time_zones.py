"""Each meeting's time zone: deadlines are entered, and times shown, in the venue's zone.

- :data:`VENUES` are the usual United Nations venues, offered first when setting up a meeting
  (Geneva is ``Europe/Zurich``: IANA names a zone after its largest city).
- :func:`activate_for` makes a meeting's zone the current one; ``selectors.meeting_with_document``
  calls it, so every page of a meeting shows its times in the meeting's zone, and
  :class:`MeetingTimeZoneMiddleware` puts the default zone (``settings.TIME_ZONE``) back
  after each request, so that no zone leaks into the next request served by the thread.
- :func:`zone_label` names the zone for people ("Geneva time"); templates get it as
  ``time_zone_label`` from :func:`drafting.web.context_processors.navigation`.
"""

from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The usual UN venues, with the IANA zone each is in: offered first.
VENUES: tuple[tuple[str, Any], ...] = (
    ("America/New_York", gettext_lazy("New York")),
    ("Europe/Zurich", gettext_lazy("Geneva")),
    ("Europe/Vienna", gettext_lazy("Vienna")),
    ("Africa/Nairobi", gettext_lazy("Nairobi")),
    ("Asia/Bangkok", gettext_lazy("Bangkok")),
    ("America/Santiago", gettext_lazy("Santiago")),
    ("Africa/Addis_Ababa", gettext_lazy("Addis Ababa")),
    ("Asia/Beirut", gettext_lazy("Beirut")),
    ("Europe/Berlin", gettext_lazy("Bonn")),
    ("Europe/Rome", gettext_lazy("Rome")),
    ("Europe/Paris", gettext_lazy("Paris")),
    ("America/Toronto", gettext_lazy("Montreal")),
)
VENUE_NAMES = dict(VENUES)


@cache
def _other_zones() -> tuple[str, ...]:
    """Every other zone this server knows, by name (the legacy aliases left out)."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    return tuple(
        sorted(
            name
            for name in available_timezones()
            if "/" in name and not name.startswith(legacy) and name not in VENUE_NAMES
        )
    )


def zone_choices() -> list[tuple[Any, Any]]:
    """Choices for a select: the UN venues first, then every other zone, grouped."""
    return [
        (
            gettext_lazy("United Nations venues"),
            [(name, f"{city} ({name})") for name, city in VENUES],
        ),
        (
            gettext_lazy("Every time zone"),
            [(name, name.replace("_", " ")) for name in (*_other_zones(), "UTC")],
        ),
    ]


def is_offered(name: str) -> bool:
    return name in VENUE_NAMES or name == "UTC" or name in _other_zones()


def zone_label(name: str) -> str:
    """The zone as people say it: "Geneva time", "Asia/Tokyo time", "UTC"."""
    if name == "UTC":
        return "UTC"
    place = VENUE_NAMES.get(name) or name.rsplit("/", 1)[-1].replace("_", " ")
    return _("%(place)s time") % {"place": place}


def current_label() -> str:
    return zone_label(timezone.get_current_timezone_name())


def activate_for(meeting: Any) -> None:
    """Show and read times in the meeting's zone for the rest of the request (or task)."""
    timezone.activate(ZoneInfo(meeting.time_zone))


class MeetingTimeZoneMiddleware:
    """Every request starts and ends in the default zone; a meeting's page switches to the
    meeting's (:func:`activate_for`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
