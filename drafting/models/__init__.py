from drafting.models.document import Document, Element, ElementKind, ElementStatus, Footnote
from drafting.models.meeting import DelegateProfile, Delegation, DelegationKind, Meeting
from drafting.models.revision import Revision, RevisionImmutableError

__all__ = [
    "DelegateProfile",
    "Delegation",
    "DelegationKind",
    "Document",
    "Element",
    "ElementKind",
    "ElementStatus",
    "Footnote",
    "Meeting",
    "Revision",
    "RevisionImmutableError",
]
