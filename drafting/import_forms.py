"""What a request to the zero-draft import page asks for, read from the request once.

Every field is bounded here; the services (``drafting.services.imports``) decide what is
allowed and say what is wrong.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from drafting.services.imports import CORRECTIONS, RowCorrection
from drafting.text.importing import HARD_MAX_TEXT
from drafting.web.bounds import posted_number

# What a request that corrects nothing carries as its correction.
NO_CORRECTION = RowCorrection(action="", row=None)


@dataclass(frozen=True)
class ImportStep:
    """One step of the import: ``action`` is "" when the page is only shown, else "read"
    (``upload`` or ``pasted``), "discard", a correction (``correction``) or "save"
    (``title`` and ``preamble``, cut one character past what any text may hold, so that
    Save can say they are too long)."""

    action: str = ""
    upload: UploadedFile | None = None
    pasted: str = ""
    correction: RowCorrection = NO_CORRECTION
    title: str = ""
    preamble: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> "ImportStep":
        if request.method != "POST":
            return cls()
        posted = request.POST
        action = posted.get("action", "")
        return cls(
            action=action,
            upload=request.FILES.get("file"),
            pasted=posted.get("pasted", ""),
            correction=RowCorrection(
                action=action,
                row=posted_number(posted.get("row", "")),
                kind=posted.get("kind", ""),
                level=posted_number(posted.get("level", "")),
                text=posted.get("text", "")[: HARD_MAX_TEXT + 1_000],
            ),
            title=posted.get("title", "")[: HARD_MAX_TEXT + 1],
            preamble=posted.get("preamble", "")[: HARD_MAX_TEXT + 1],
        )

    @property
    def is_correction(self) -> bool:
        return self.action in CORRECTIONS
