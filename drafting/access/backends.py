"""Signing in with Django's model backend; the signed-in user comes with their delegation."""

import functools
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connections, router
from django.db.models import OuterRef, StringAgg, Subquery, Value

from drafting.access import roles
from drafting.models import DelegateProfile, Delegation

# Group names hold no line break (the role groups are fixed: drafting.access.roles).
_SEPARATOR = "\n"


class DelegationModelBackend(ModelBackend):
    """Django's ``ModelBackend``, whose ``get_user`` (run on every request of a signed-in
    user) also reads, in the same query, the user's delegate profile and delegation and the
    role groups they belong to: every page asks which delegation the reader acts for and in
    which role, which took three more queries.

    On PostgreSQL the query is a statement written once (`_user_sql`): built with the ORM,
    its roles subquery cost more to compile on every request (≈ 2.5 ms) than the database
    took to run it. Elsewhere (SQLite, the demo) the ORM's query, whose values it converts."""

    def get_user(self, user_id):
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        if connections[alias].vendor == "postgresql":
            user = _user_with_delegation(alias, user_id)
        else:
            user = _user_with_delegation_portable(user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None


def _user_with_delegation_portable(user_id):
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
    return user


def _fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _columns(model, alias: str, quote) -> list[str]:
    return [f"{alias}.{quote(cast(str, field.column))}" for field in model._meta.concrete_fields]


@functools.cache
def _user_sql(alias: str) -> str:
    """The statement of :func:`_user_with_delegation`: the user's, the delegate profile's and
    the delegation's columns (those of ``_fields``, in that order; the last two null when the
    user has no profile), then the names of the role groups the user belongs to (an array).
    Made once for each database (PostgreSQL's: ``ARRAY``, ``ANY``)."""
    quote = connections[alias].ops.quote_name
    user_model = get_user_model()
    user_pk = quote(cast(str, user_model._meta.pk.column))
    groups_field: Any = user_model._meta.get_field("groups")
    through = groups_field.remote_field.through._meta.db_table
    member, group = groups_field.m2m_column_name(), groups_field.m2m_reverse_name()
    columns = ", ".join(
        _columns(user_model, "u", quote)
        + _columns(DelegateProfile, "p", quote)
        + _columns(Delegation, "d", quote)
    )
    profile_user = DelegateProfile._meta.get_field("user").column
    profile_delegation = DelegateProfile._meta.get_field("delegation").column
    return f"""
        SELECT {columns},
            ARRAY(
                SELECT g.{quote("name")} FROM {quote(through)} m
                JOIN {quote(Group._meta.db_table)} g ON g.id = m.{quote(group)}
                WHERE m.{quote(member)} = u.{user_pk} AND g.{quote("name")} = ANY(%(roles)s)
            )
        FROM {quote(user_model._meta.db_table)} u
        LEFT JOIN {quote(DelegateProfile._meta.db_table)} p
            ON p.{quote(profile_user)} = u.{user_pk}
        LEFT JOIN {quote(Delegation._meta.db_table)} d ON d.id = p.{quote(profile_delegation)}
        WHERE u.{user_pk} = %(user)s
    """  # noqa: S608 - only the models' table and column names are formatted in


def _user_with_delegation(alias: str, user_id):
    """The user, their delegate profile (None: none) and its delegation set as
    ``select_related("delegate_profile__delegation")`` sets them, and their role groups in
    ``_drafting_roles`` (what `permissions.role_names` reads); None when there is no such
    user. One statement, made once."""
    user_model = get_user_model()
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(alias), {"user": user_id, "roles": list(roles.ROLE_GROUPS)})
        row = cursor.fetchone()
    if row is None:
        return None
    user_fields, profile_fields = _fields(user_model), _fields(DelegateProfile)
    delegation_fields = _fields(Delegation)
    end_user = len(user_fields)
    end_profile = end_user + len(profile_fields)
    end_delegation = end_profile + len(delegation_fields)
    user = user_model.from_db(alias, user_fields, row[:end_user])
    profile_values = row[end_user:end_profile]
    profile_to_user = DelegateProfile._meta.get_field("user")
    if profile_values[0] is None:
        profile = None
    else:
        profile = DelegateProfile.from_db(alias, profile_fields, profile_values)
        delegation = Delegation.from_db(alias, delegation_fields, row[end_profile:end_delegation])
        DelegateProfile._meta.get_field("delegation").set_cached_value(profile, delegation)
        profile_to_user.set_cached_value(profile, user)
    # user.delegate_profile: the profile, or RelatedObjectDoesNotExist (None cached).
    profile_to_user.remote_field.set_cached_value(user, profile)
    cast(Any, user)._drafting_roles = frozenset(row[end_delegation])
    return user
