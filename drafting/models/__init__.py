from drafting.models.audit import AuditAction, AuditEvent
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
    DecisionReply,
    ElementChange,
    ElementChangeAction,
    MarkStance,
    MeetingVisit,
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
    "CoSponsorInvitation",
    "ConsultationRound",
    "DecisionReply",
    "DelegateProfile",
    "Delegation",
    "DelegationKind",
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
    "MeetingVisit",
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
