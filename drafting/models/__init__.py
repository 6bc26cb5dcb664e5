from drafting.models.document import Document, Element, ElementKind, ElementStatus, Footnote
from drafting.models.meeting import DelegateProfile, Delegation, DelegationKind, Meeting
from drafting.models.proposal import (
    VISIBLE_STATUSES,
    ConsultationRound,
    MarkStance,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
)
from drafting.models.revision import Revision, RevisionImmutableError

__all__ = [
    "VISIBLE_STATUSES",
    "ConsultationRound",
    "DelegateProfile",
    "Delegation",
    "DelegationKind",
    "Document",
    "Element",
    "ElementKind",
    "ElementStatus",
    "Footnote",
    "MarkStance",
    "Meeting",
    "Proposal",
    "ProposalKind",
    "ProposalMark",
    "ProposalStatus",
    "Revision",
    "RevisionImmutableError",
]
