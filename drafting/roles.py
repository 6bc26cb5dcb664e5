"""The roles of the product, as Django auth groups (created by a data migration)."""

from django.utils.translation import gettext_lazy as _

DELEGATES = "Delegates"
CHAIRS_OFFICE = "Chair's office"
SECRETARIAT = "Secretariat"

ROLE_GROUPS = (DELEGATES, CHAIRS_OFFICE, SECRETARIAT)
ROLE_LABELS = {
    DELEGATES: _("Delegate"),
    CHAIRS_OFFICE: _("Chair's office"),
    SECRETARIAT: _("Secretariat"),
}
