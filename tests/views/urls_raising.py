"""The project's URLs and one view that fails, for tests/views/test_server_errors.py."""

from django.urls import path

from bms7.urls import handler500
from bms7.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("the interpreters' booth is on fire")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
__all__ = ["handler500", "urlpatterns"]
