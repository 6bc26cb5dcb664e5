import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")

from bms7.settings import require_secrets

require_secrets()  # production refuses to start without its secrets

application = get_wsgi_application()

# Load the URLconf (and with it the views and WeasyPrint, about 3 s of imports) now rather
# than in each worker's first request; with `gunicorn --preload` the workers share it.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - evaluated for its import side effect
