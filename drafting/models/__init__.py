from drafting.models.audit import AuditAction, AuditEvent
from drafting.models.cache import CacheNamespace
from drafting.models.cosponsorship import (
    CoSponsorInvitation,
    InvitationStatus,
)
from drafting.models.document import Document, Element, ElementKind, ElementStatus, Footnote
from drafting.models.meeting import (
    DelegateProfile,
    Delegation,
    DelegationKind,
    GroupCoordinator,
    Meeting,
)
from drafting.models.proposal import (
    PRIVATE_STATUSES,
    VISIBLE_STATUSES,
    ConsultationRound,
    ElementChange,
    MarkStance,
    Notification,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
)
from drafting.models.receipt import WriteReceipt
from drafting.models.revision import ExportJob, Revision, RevisionFile, RevisionImmutableError

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
    "Document",
    "Element",
    "ElementChange",
    "ElementKind",
    "ElementStatus",
    "ExportJob",
    "Footnote",
    "GroupCoordinator",
    "InvitationStatus",
    "MarkStance",
    "Meeting",
    "Notification",
    "Proposal",
    "ProposalKind",
    "ProposalMark",
    "ProposalStatus",
    "Revision",
    "RevisionFile",
    "RevisionImmutableError",
    "WriteReceipt",
]
