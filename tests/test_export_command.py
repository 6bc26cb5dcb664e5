"""`manage.py export_revision` reports what it wrote in words a reader expects."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_a_one_page_pdf_is_reported_as_one_page(bms7, tmp_path, capsys):
    """The compilation of the zero draft, with no proposals, is "1 page", never "1 pages"."""
    target = tmp_path / "compilation.pdf"
    call_command(
        "export_revision", "bms7", "0", "--format", "pdf", "--compilation", "-o", str(target)
    )
    err = capsys.readouterr().err
    assert f"wrote {target} (1 page, sha256 " in err
