"""A PDF's text layer, for the tests that read what a PDF says (poppler's pdftotext)."""

import re
import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes, page: int | None = None) -> str:
    """The text in reading layout (``pdftotext -layout``), of one page or of all."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("poppler-utils is not installed: run .ci/run, which installs it")
    args = [pdftotext, "-layout", "-enc", "UTF-8"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    result = subprocess.run(  # noqa: S603 - poppler's own tool, fixed arguments
        [*args, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace folded; a word broken after a hyphen at a line end joined again."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))


def exported_pdf(client, url: str) -> bytes:
    """The PDF at ``url`` as a reader gets it: a PDF not stored yet starts its export job
    (run here as the worker would, once the request's transaction commits) and is then
    served from storage."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = client.get(url)
    if first.status_code == 200:
        return first.content
    assert first.status_code == 302, first.status_code
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return response.content
