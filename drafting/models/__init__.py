from drafting.models.audit import AuditAction, AuditEvent
from drafting.models.cache import CacheNamespace, DelegationVersion
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
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
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
    "DelegationVersion",
    "Document",
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
    "MarkStance",
    "Meeting",
    "Notification",
    "Participation",
    "Proposal",
    "ProposalKind",
    "ProposalMark",
    "ProposalStatus",
    "Revision",
    "RevisionFile",
    "RevisionImmutableError",
    "WriteReceipt",
]
