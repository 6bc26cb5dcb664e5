"""The Django admin serves the secretariat: meetings, delegations, users, with history."""

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from drafting.models import (
    AuditEvent,
    DelegateProfile,
    Delegation,
    Document,
    Element,
    Footnote,
    GroupCoordinator,
    Meeting,
    Revision,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here (not even by a superuser)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["short_title", "slug", "venue", "start_date", "end_date", "symbol_prefix"]
    search_fields = ["short_title", "title", "slug"]


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "code"]
    filter_horizontal = ["members"]


@admin.register(DelegateProfile)
class DelegateProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "delegation"]
    list_select_related = ["user", "delegation"]
    search_fields = ["user__username", "delegation__name"]
    autocomplete_fields = ["delegation"]


@admin.register(GroupCoordinator)
class GroupCoordinatorAdmin(SimpleHistoryAdmin):
    """The secretariat designates which delegation speaks for each group at a meeting: only
    that delegation proposes "on behalf of" the group."""

    list_display = ["group", "delegation", "meeting"]
    list_filter = ["meeting"]
    list_select_related = ["group", "delegation", "meeting"]
    search_fields = ["group__name", "delegation__name"]
    autocomplete_fields = ["group", "delegation"]


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "meeting"]
    list_select_related = ["meeting"]

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        """A change to the title or preamble is a write to the working draft: through the
        write gate, which bumps the version (a form shown before it is stale), and keeping
        the version the gate made rather than the one read before."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        from drafting.services.gate import open_gate

        with transaction.atomic():
            obj.version = open_gate(obj.pk).document.version
            super().save_model(request, obj, form, change)


class FootnoteInline(admin.TabularInline):
    model = Footnote
    extra = 0


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read here; the text changes through proposals and the chair's office, never the admin."""

    list_display = ["id", "kind", "position", "short_text", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["document"]
    search_fields = ["text"]
    inlines = [FootnoteInline]

    @admin.display(description="text")
    def short_text(self, element: Element) -> str:
        return element.text[:80]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    """Issued revisions are immutable: viewable, never added, changed or deleted here."""

    list_display = ["symbol", "label", "number", "issued_at", "issued_by", "content_hash"]
    list_select_related = ["issued_by"]
    exclude = ["snapshot"]
    readonly_fields = [
        "document",
        "number",
        "label",
        "symbol",
        "issued_at",
        "issued_by",
        "signatory",
        "cover_letter",
        "content_hash",
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is read-only everywhere: no one adds, changes or deletes an event."""

    list_display = ["at", "username", "delegation", "action", "summary", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["delegation"]
    search_fields = ["username", "summary"]
    date_hierarchy = "at"
