"""An imported document of any structure (chapters, preambular paragraphs, operative
paragraphs with sub-paragraphs) exports to Word with a style named for each kind and to
Akoma Ntoso valid against the OASIS schema."""

import io

import docx
import pytest

from drafting.exports.akn_export import revision_akn
from drafting.exports.docx_export import ELEMENT_STYLES, revision_docx
from drafting.models import ElementKind
from drafting.services.imports import document_import
from drafting.text.importing import flatten, read_text
from tests.factories import MeetingFactory, secretariat
from tests.test_akn_export import validated

pytestmark = pytest.mark.django_db

SOURCE = """Decision on everything
I. Measures
PP1 Recalling its earlier decisions,
OP1 Decides:
(a) to act;
(b) to report;
OP2 Requests the Secretary-General to report."""


@pytest.fixture
def imported():
    meeting = MeetingFactory()
    rows = flatten(read_text(SOURCE).elements)
    kinds = {row.kind for row in rows}
    assert {"chapter", "preambular", "paragraph", "subparagraph"} <= kinds, kinds
    revision = document_import(
        user=secretariat(), meeting=meeting, title="Decision", preamble="", rows=rows
    )
    return meeting, revision


def test_every_kind_has_its_word_style():
    assert set(ElementKind.values) <= set(ELEMENT_STYLES)


def test_word_gives_each_kind_its_style(imported):
    meeting, revision = imported
    document = docx.Document(io.BytesIO(revision_docx(meeting, revision)))
    styles = {p.style.name for p in document.paragraphs}
    for kind in ("chapter", "preambular", "paragraph", "subparagraph"):
        assert ELEMENT_STYLES[kind] in styles, kind


def test_akoma_ntoso_of_every_kind_is_valid(imported):
    meeting, revision = imported
    validated(revision_akn(meeting, revision))
