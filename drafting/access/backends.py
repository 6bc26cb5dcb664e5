"""Signing in with Django's model backend; the signed-in user comes with their delegation."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, StringAgg, Subquery, Value

from drafting.access import roles

# Group names hold no line break (the role groups are fixed: drafting.access.roles).
_SEPARATOR = "\n"


class DelegationModelBackend(ModelBackend):
    """Django's ``ModelBackend``, whose ``get_user`` (run on every request of a signed-in
    user) also reads, in the same query, the user's delegate profile and delegation and the
    role groups they belong to: every page asks which delegation the reader acts for and in
    which role, which took three more queries."""

    def get_user(self, user_id):
        user_model = get_user_model()
        memberships = user_model.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name__in=roles.ROLE_GROUPS
        )
        role_names = Subquery(
            memberships.values("user_id")
            .annotate(names=StringAgg("group__name", Value(_SEPARATOR)))
            .values("names")
        )
        users = user_model._default_manager.select_related("delegate_profile__delegation").annotate(
            role_group_names=role_names
        )
        try:
            user = users.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        # What drafting.access.permissions.role_names would otherwise ask the database for.
        user._drafting_roles = frozenset(
            user.role_group_names.split(_SEPARATOR) if user.role_group_names else ()
        )
        return user if self.user_can_authenticate(user) else None
