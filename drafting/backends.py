"""Signing in with Django's model backend; the signed-in user comes with their delegation."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class DelegationModelBackend(ModelBackend):
    """Django's ``ModelBackend``, whose ``get_user`` (run on every request of a signed-in
    user) also reads the user's delegate profile and delegation in the same query: every
    page asks which delegation the reader acts for, which took two more queries."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("delegate_profile__delegation")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
