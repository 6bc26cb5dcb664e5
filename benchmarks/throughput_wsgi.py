"""What gunicorn serves in ``benchmarks/throughput.py``: the project, and the plain pages.

Requests under ``/__plain__/`` go to ``benchmarks.plain`` behind Django's own middleware only;
everything else to the project's WSGI application, unchanged. Refuses to load unless
``BENCHMARK=1``, so it cannot be served by mistake.
"""

import os

from django.core.exceptions import ImproperlyConfigured

if os.environ.get("BENCHMARK") != "1":
    raise ImproperlyConfigured("benchmarks.throughput_wsgi is served only with BENCHMARK=1")

# Loaded before gunicorn forks (--preload): the cache's client is imported on its first use,
# and each worker spent 1.3 s of CPU on it in its first requests, inside whichever page was
# measured first (measured with `python -X importtime`, 1 December).
import redis  # noqa: F401

from bms7.wsgi import application as project  # sets Django up

# isort: split
from benchmarks.plain import PREFIX, PlainHandler

plain = PlainHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return plain(environ, start_response)
    return project(environ, start_response)
