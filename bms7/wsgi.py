import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")

from bms7.settings import require_secrets

require_secrets()  # production refuses to start without its secrets

application = get_wsgi_application()

# Import the URLconf (and with it the views and WeasyPrint, about 3 s) now rather than in
# each worker's first request; with `gunicorn --preload` the workers share it.
import_module(settings.ROOT_URLCONF)
