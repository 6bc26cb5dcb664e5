from drafting.models.audit import AuditAction, AuditEvent
from drafting.models.cache import CacheNamespace
from drafting.models.cosponsorship import (
    CoSponsorInvitation,
    InvitationStatus,
)
from drafting.models.document import Document, Element, ElementKind, ElementStatus, Footnote
from drafting.models.invitation import Invitation, InvitedRole
from drafting.models.meeting import (
    DelegateProfile,
    Delegation,
    DelegationKind,
    GroupCoordinator,
    Meeting,
    Participation,
)
from drafting.models.proposal import (
    PRIVATE_STATUSES,
    VISIBLE_STATUSES,
    ConsultationRound,
    ElementChange,
    ElementChangeAction,
    MarkStance,
    Notification,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
)
from drafting.models.reading import (
    MAIL_KINDS,
    DraftVisit,
    MailFrequency,
    MailPreference,
    ReaderState,
)
from drafting.models.receipt import WriteReceipt
from drafting.models.revision import (
    ExportJob,
    ExportJobStatus,
    FileKind,
    Revision,
    RevisionFile,
    RevisionImmutableError,
)

__all__ = [
    "MAIL_KINDS",
    "PRIVATE_STATUSES",
    "VISIBLE_STATUSES",
    "AuditAction",
    "AuditEvent",
    "CacheNamespace",
    "CoSponsorInvitation",
    "ConsultationRound",
    "DelegateProfile",
    "Delegation",
    "DelegationKind",
    "Document",
    "DraftVisit",
    "Element",
    "ElementChange",
    "ElementChangeAction",
    "ElementKind",
    "ElementStatus",
    "ExportJob",
    "ExportJobStatus",
    "FileKind",
    "Footnote",
    "GroupCoordinator",
    "Invitation",
    "InvitationStatus",
    "InvitedRole",
    "MailFrequency",
    "MailPreference",
    "MarkStance",
    "Meeting",
    "Notification",
    "NotificationKind",
    "Participation",
    "Proposal",
    "ProposalKind",
    "ProposalMark",
    "ProposalStatus",
    "ReaderState",
    "Revision",
    "RevisionFile",
    "RevisionImmutableError",
    "WriteReceipt",
]
