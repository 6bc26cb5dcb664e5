"""The enums templates compare against, by their class names (``ElementStatus.DELETED``).

Given to every template: as Jinja2 globals (`rendering.environment`), through a context
processor to the Django templates rendered with a request
(`drafting.web.context_processors.enums`), and in the context of those rendered without one
(the PDFs). One constant mapping: nothing is built per request or per row. Members are
strings, so ``element.status == ElementStatus.DELETED`` holds for a snapshot's plain string
too.
"""

from types import MappingProxyType

from drafting.models import (
    ElementKind,
    ElementStatus,
    ExportJobStatus,
    FileKind,
    InvitationStatus,
    MarkStance,
    ProposalKind,
    ProposalStatus,
)
from drafting.models.invitation import InvitationState
from drafting.text.diff import Operation

TEMPLATE_ENUMS = MappingProxyType(
    {
        enum_class.__name__: enum_class
        for enum_class in (
            ElementKind,
            ElementStatus,
            ExportJobStatus,
            FileKind,
            InvitationState,
            InvitationStatus,
            MarkStance,
            Operation,
            ProposalKind,
            ProposalStatus,
        )
    }
)
