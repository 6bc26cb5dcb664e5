"""``|datetime_attr``: a moment as a <time datetime="..."> value the HTML standard accepts."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def datetime_attr(moment: datetime | None) -> str:
    """The moment in the current time zone, to the second, with its offset
    ("2026-12-07T19:34:30-05:00"). Django's ``date:'c'`` writes microseconds, which HTML's
    datetime attribute refuses (one to three digits after the second), so validators fail
    every page that shows a time written by the app."""
    if not moment:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.isoformat(timespec="seconds")
