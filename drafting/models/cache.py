"""The cache's namespace: one random token per database."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_hex(8)


class CacheNamespace(models.Model):
    """The token that starts every key `drafting.render.page_cache` writes (one row, pk 1).

    The shared cache (Redis) outlives a database: a test database made again, a staging
    database reset, a backup restored. The same document and version may then mean other
    content; a key under another database's token is never found. Made by the migration for
    a new database, made again when a flush emptied the table, and renewed by
    ``manage.py renew_cache_namespace`` (after a restore) and by a meeting's import.
    """

    token = models.CharField(_("token"), max_length=32, default=new_token)

    class Meta:
        verbose_name = _("cache namespace")

    def __str__(self) -> str:
        return self.token
