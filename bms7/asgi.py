import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")

from bms7.settings import require_secrets

require_secrets()  # production refuses to start without its secrets

application = get_asgi_application()
