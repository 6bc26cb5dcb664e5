from django.urls import path

from drafting.views import (
    audit,
    chair,
    compare,
    compilation,
    delegation,
    desk,
    documents,
    imports,
    invitations,
    meetings,
    notices,
    proposals,
    replies,
    rounds,
    search,
)

urlpatterns = [
    path("", documents.home, name="home"),
    path("start/", desk.landing, name="landing"),
    path("audit/", audit.audit_trail, name="audit_trail"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("m/<slug:slug>/setup/", meetings.meeting_setup, name="meeting_setup"),
    path("m/<slug:slug>/draft/", documents.working_draft, name="working_draft"),
    path("m/<slug:slug>/import/", imports.document_import_page, name="document_import"),
    path("m/<slug:slug>/revisions/", documents.revision_list, name="revision_list"),
    path(
        "m/<slug:slug>/revisions/<int:number>/", documents.revision_detail, name="revision_detail"
    ),
    path("m/<slug:slug>/revisions/<int:number>/pdf/", documents.revision_pdf, name="revision_pdf"),
    path(
        "m/<slug:slug>/revisions/<int:number>/exports/",
        documents.export_request,
        name="export_request",
    ),
    path("m/<slug:slug>/exports/<int:job_id>/", documents.export_status, name="export_status"),
    # Word and Akoma Ntoso files (kinds such as "redline.docx"), made and served as the PDFs.
    path(
        "m/<slug:slug>/revisions/<int:number>/files/<str:kind>/",
        documents.revision_pdf,
        name="revision_file",
    ),
    path(
        "m/<slug:slug>/revisions/<int:number>/pdf/<str:kind>/",
        documents.revision_pdf,
        name="revision_pdf_kind",
    ),
    path(
        "m/<slug:slug>/revisions/<int:number>/pdf/compilation/<int:file_id>/",
        documents.compilation_file,
        name="compilation_file",
    ),
    path(
        "m/<slug:slug>/elements/<int:element_id>/history/",
        documents.element_history,
        name="element_history",
    ),
    path("m/<slug:slug>/elements/<int:element_id>/propose/", proposals.propose, name="propose"),
    path(
        "m/<slug:slug>/elements/<int:element_id>/proposals/",
        documents.element_proposals,
        name="element_proposals",
    ),
    path(
        "m/<slug:slug>/elements/<int:element_id>/diff-preview/",
        proposals.diff_preview,
        name="diff_preview",
    ),
    path(
        "m/<slug:slug>/co-sponsors/",
        proposals.co_sponsor_options,
        name="co_sponsor_options",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/",
        proposals.proposal_detail,
        name="proposal_detail",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/edit/",
        proposals.proposal_edit,
        name="proposal_edit",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/mark/",
        proposals.proposal_mark,
        name="proposal_mark",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/cosponsorship/",
        proposals.proposal_cosponsorship,
        name="proposal_cosponsorship",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/reply/",
        replies.proposal_reply,
        name="decision_reply",
    ),
    path(
        "m/<slug:slug>/proposals/<uuid:public_id>/<str:action>/",
        proposals.proposal_action,
        name="proposal_action",
    ),
    path("m/<slug:slug>/delegation/", delegation.delegation_page, name="delegation_page"),
    path("m/<slug:slug>/mail/", notices.mail_preferences, name="meeting_mail_preferences"),
    path("mail/", notices.mail_preferences, name="mail_preferences"),
    path("m/<slug:slug>/desk/", desk.desk, name="desk"),
    path("m/<slug:slug>/desk/live/", desk.desk_live, name="desk_live"),
    path("m/<slug:slug>/rounds/", rounds.rounds, name="rounds"),
    path("m/<slug:slug>/compilation/", compilation.compilation, name="compilation"),
    path("m/<slug:slug>/decisions/", chair.quick_decision, name="quick_decision"),
    path(
        "m/<slug:slug>/elements/<int:element_id>/review/",
        chair.element_review,
        name="element_review",
    ),
    path("m/<slug:slug>/revisions/issue/", chair.issue_revision, name="issue_revision"),
    path("m/<slug:slug>/compare/", compare.compare, name="compare"),
    path("m/<slug:slug>/search/", search.search_page, name="search"),
]

# Invitations and deactivation: per meeting, and (the same names without a slug) for the
# secretariat before any meeting exists.
for prefix in ("m/<slug:slug>/", ""):
    urlpatterns += [
        path(f"{prefix}invitations/", invitations.invitation_list, name="invitation_list"),
        path(f"{prefix}invitations/new/", invitations.invitation_create, name="invitation_create"),
        path(
            f"{prefix}invitations/<int:pk>/revoke/",
            invitations.invitation_revoke,
            name="invitation_revoke",
        ),
        path(
            f"{prefix}delegates/<int:account_id>/deactivate/",
            invitations.delegate_deactivate,
            name="delegate_deactivate",
        ),
    ]
