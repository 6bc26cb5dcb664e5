"""The cache's namespace: one random token per database."""

import secrets
from typing import TYPE_CHECKING

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from drafting.models.proposal import Proposal


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


class PageVersion(models.Model):
    """A counter that pages are cached under (`drafting.render.page_cache`): bumped by
    `_bump`, in one statement, in the transaction of every write that changes what they
    show. Not a tracked model: a counter, not content."""

    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.pk}: {self.version}"


class DelegationVersion(PageVersion):
    """Counts the writes that change a delegation's own proposals as its delegation page
    shows them: the page's tables are cached under it (`drafting.render.page_cache`).

    Bumped by :func:`delegation_changed` in the transaction of every write that does not
    pass the write gate (which bumps ``Document.version``, also in the key): a delegate's
    draft, submission, revision, withdrawal, discard, the marks other delegations give to
    the delegation's proposals, and their answers to its invitations to co-sponsor.
    """

    delegation = models.OneToOneField(
        "drafting.Delegation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("delegation"),
    )

    class Meta:
        verbose_name = _("delegation page version")


def delegation_changed(delegation_id: int) -> None:
    """Bump the delegation's page version (one statement, an upsert): call it inside the
    write's transaction, after the write's other locks, so that the page is never read in
    its new version before the write is visible, and the counter's row lock, held until
    commit, is the last lock the transaction takes but the document's `proposals_changed`
    (one row of each a transaction, always in that order: no deadlock). Writes to a proposal
    call both through `proposal_changed`."""
    _bump(DelegationVersion, delegation_id)


def _bump(counter: type[PageVersion], value: int) -> None:
    """Add one to ``counter``'s row whose primary key is ``value`` (made at 1 when there is
    none), in one statement, inside the write's transaction. The statement names only the
    model's own table and columns, from its ``_meta``; the value is a parameter."""
    if not connection.in_atomic_block:
        raise RuntimeError("a page version must be bumped inside the write's transaction")
    table, key = counter._meta.db_table, counter._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, version) VALUES (%s, 1) "  # noqa: S608 - names from _meta
            f"ON CONFLICT ({key}) DO UPDATE SET version = {table}.version + 1",
            [value],
        )


class ProposalsVersion(PageVersion):
    """Counts the commits that change what readers beyond the writing delegation see of a
    document's proposals outside the write gate: a proposal submitted, revised once
    submitted, withdrawn or taken back; a mark given, confirmed or cleared; an answer to an
    invitation to co-sponsor; a reply to a decision. The working draft's counts, the
    compilation and the desk are cached under it (`drafting.render.page_cache`); the write
    gate's writes bump ``Document.version`` instead. A delegation's drafts never bump it.

    A counter, not the newest history row: ids are handed out as rows are inserted, not as
    they commit, so a submission numbered first and committed last would leave the newest
    id as it was; every commit adds one here.
    """

    document = models.OneToOneField(
        "drafting.Document",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("document"),
    )

    class Meta:
        verbose_name = _("proposals version")


def proposals_changed(document_id: int) -> None:
    """Bump the document's proposals version (one statement, an upsert): call it last in the
    write's transaction, after `delegation_changed` when both are called, so that a page is
    never read in the new version before the write is visible, and the counters' row locks
    are always taken in that order, last (no deadlock). Writers on one document queue here
    for the moment of their commit."""
    _bump(ProposalsVersion, document_id)


def proposal_changed(proposal: "Proposal") -> None:
    """The last statements of a write to ``proposal`` outside the write gate: its
    delegation's page version (`delegation_changed`), then, when the proposal is seen beyond
    its delegation (neither a draft nor a discarded draft), its document's proposals version
    (`proposals_changed`)."""
    from drafting.models.proposal import PRIVATE_STATUSES

    delegation_changed(proposal.delegation_id)
    if proposal.status not in PRIVATE_STATUSES:
        proposals_changed(proposal.document_id)
