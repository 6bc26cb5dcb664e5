"""The framework's floor under the load test: ``benchmarks/loadtest.py --floor`` serves this.

The project's WSGI application and URLs, plus two bare views behind the same middleware
(session, authentication, CSRF, security headers) and sign-in:

- ``GET /__floor__/page/?rows=N``: one query for N rows, rendered by a plain template (the
  working draft is read as 400 rows, an agenda item's compilation as 1,000, a proposal as 10);
- ``POST /__floor__/submit/``: one row inserted in one transaction, answered with a redirect
  (a submission).

The locust users of ``FloorDelegate`` send the same mix at the same pace as the delegates, so
the two runs say how much of the machine the framework itself takes.
"""

import os
import uuid
from importlib import import_module

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")
settings.ROOT_URLCONF = __name__  # the urlpatterns below
django.setup()

# The rest needs the apps loaded.

from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template import Context, Template
from django.urls import path
from django.views.decorators.http import require_POST, require_safe

from drafting.models import Proposal, WriteReceipt

ROWS = Template("<ul>{% for row in rows %}<li>{{ row.0 }} {{ row.1 }}</li>{% endfor %}</ul>")


@require_safe
def page(request):
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    rows = min(int(request.GET.get("rows", "400")), 5000)
    data = list(Proposal.objects.order_by("pk").values_list("id", "proposed_text")[:rows])
    return HttpResponse(ROWS.render(Context({"rows": data})))


@require_POST
def submit(request):
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    with transaction.atomic():
        WriteReceipt.objects.create(user=request.user, key=uuid.uuid4(), action="floor")
    return HttpResponseRedirect("/__floor__/page/?rows=10")


urlpatterns = [
    path("__floor__/page/", page),
    path("__floor__/submit/", submit),
    *import_module("bms7.urls").urlpatterns,
]

from bms7.wsgi import application  # noqa: F401 - what gunicorn serves
