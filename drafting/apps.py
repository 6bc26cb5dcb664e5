from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DraftingConfig(AppConfig):
    name = "drafting"
    verbose_name = _("Drafting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from drafting.access.audit import connect_signals
        from drafting.models.history import make_history_managers_once
        from drafting.web import checks  # noqa: F401 - registers the deploy checks

        connect_signals()
        make_history_managers_once()
