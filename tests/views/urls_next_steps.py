"""The project's URLs plus the pages other work adds after a meeting is set up (importing the
zero draft, inviting focal points), for tests/views/test_meeting_setup.py."""

from django.http import HttpResponse
from django.urls import path

from bms7.urls import handler500
from bms7.urls import urlpatterns as project_urlpatterns


def elsewhere(request, slug):
    return HttpResponse(slug)


urlpatterns = [
    path("m/<slug:slug>/import/", elsewhere, name="document_import"),
    path("m/<slug:slug>/invitations/new/", elsewhere, name="invitation_create"),
    *project_urlpatterns,
]
__all__ = ["handler500", "urlpatterns"]
