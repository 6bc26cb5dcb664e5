"""What a request to the import page asks for (drafting.import_forms.ImportStep), bounded."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from drafting.import_forms import ImportStep
from drafting.services.imports import RowCorrection
from drafting.text.importing import HARD_MAX_TEXT


def _posted(**data) -> ImportStep:
    return ImportStep.from_request(RequestFactory().post("/import/", data))


def test_showing_the_page_asks_nothing():
    """A GET has no action, even with one in its query string."""
    step = ImportStep.from_request(RequestFactory().get("/import/", {"action": "save"}))
    assert step == ImportStep()
    assert not step.is_correction


def test_a_correction_reads_its_row_kind_level_and_text():
    """Numbers are read only when they are plain digits; the rest is kept as sent."""
    step = _posted(action="level", row="2", level="3", kind="theme", text="One\nTwo")
    assert step.is_correction
    assert step.correction == RowCorrection(
        action="level", row=2, kind="theme", level=3, text="One\nTwo"
    )
    odd = _posted(action="kind", row="²", level="-1").correction
    assert (odd.row, odd.level) == (None, None)
    assert not _posted(action="save").is_correction
    assert not _posted(action="kinds").is_correction


def test_long_texts_are_cut_just_past_what_any_text_may_hold():
    """Title and preamble one character past the limit (Save says they are too long), the
    text to split a thousand past it."""
    long = "x" * (HARD_MAX_TEXT + 5_000)
    step = _posted(action="save", title=long, preamble=long, text=long)
    assert len(step.title) == len(step.preamble) == HARD_MAX_TEXT + 1
    assert len(step.correction.text) == HARD_MAX_TEXT + 1_000


def test_reading_takes_the_upload_or_the_pasted_text():
    upload = SimpleUploadedFile("draft.docx", b"PK")
    step = _posted(action="read", file=upload, pasted="Title\n1. One")
    assert step.upload is not None
    assert step.upload.name == "draft.docx"
    assert step.pasted == "Title\n1. One"
    assert _posted(action="read").upload is None
