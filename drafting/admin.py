"""The Django admin serves the secretariat: meetings, delegations, users, with history.

Roles are never raised from below: the secretariat manages delegates and accounts without a
role (`drafting.access.roles.may_manage`); granting the chair's office, the secretariat, staff or
superuser status, and anything about those accounts, is for superusers.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from drafting.access import roles
from drafting.models import (
    AuditEvent,
    DelegateProfile,
    Delegation,
    Document,
    Element,
    Footnote,
    GroupCoordinator,
    Meeting,
    Participation,
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
    list_display = ["user", "delegation", "is_focal_point"]
    list_filter = ["is_focal_point"]
    list_select_related = ["user", "delegation"]
    search_fields = ["user__username", "delegation__name"]
    autocomplete_fields = ["delegation"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only delegates and accounts without a role can be made delegates by the secretariat.
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = roles.manageable_accounts(get_user_model().objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(
        self, request: HttpRequest, obj: DelegateProfile | None = None
    ) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or roles.may_manage(request.user, obj.user))

    def has_delete_permission(
        self, request: HttpRequest, obj: DelegateProfile | None = None
    ) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or roles.may_manage(request.user, obj.user))


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin, narrowed for the secretariat (see the module docstring).

    A non-superuser sees every account but changes only those it may manage, and on them only
    the name, e-mail, active flag, password and the Delegates group: no staff, superuser or
    permission fields, no other group to choose. Superusers keep the whole form.
    """

    secretariat_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("is_active", "groups")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.secretariat_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name=roles.DELEGATES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Also guards the password form (UserAdmin.user_change_password asks this).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or roles.may_manage(request.user, obj))


@admin.register(GroupCoordinator)
class GroupCoordinatorAdmin(SimpleHistoryAdmin):
    """The secretariat designates which delegation speaks for each group at a meeting: only
    that delegation proposes "on behalf of" the group."""

    list_display = ["group", "delegation", "meeting"]
    list_filter = ["meeting"]
    list_select_related = ["group", "delegation", "meeting"]
    search_fields = ["group__name", "delegation__name"]
    autocomplete_fields = ["group", "delegation"]


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    """Read-only: the secretariat chooses participants on the meeting's setup page, where
    every change is audited."""

    list_display = ["delegation", "meeting"]
    list_filter = ["meeting", "delegation__kind"]
    list_select_related = ["delegation", "meeting"]
    search_fields = ["delegation__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
