"""Hostile input through every form and endpoint of drafting/urls.py, with the test client.

Inputs: the XSS payloads of tests/data/xss_payloads.txt (one a line: script tags, event
handlers, javascript:/data: URLs, SVG and MathML, attribute breakouts, encoded variants,
template injection, CSS, PDF syntax), SQL fragments, control characters (NUL, C0, DEL),
right-to-left overrides and other bidi controls, huge inputs (1 MB), and raw request bodies
that are not valid UTF-8. Every endpoint gets at least ``MIN_INPUTS`` of them.

The payloads are shared among the endpoints: each gets every SQL fragment and hostile input,
and a share of the XSS payloads (a third, or a sixth where a page is slow to render), a
different share for each endpoint in turn, so every XSS payload still goes through several
forms and every form through well over a hundred inputs. The nightly run (`pytest --slow`,
README) sends every payload to every endpoint.

What must hold for each request:

- never a 500 (a crash is collected with its input, and the test fails listing them all);
- user text never comes back unescaped: an input with ``<``, ``>`` or a quote never appears
  verbatim in the HTML, and where a page echoes or shows what was stored, the escaped form
  is there;
- nothing is stored half-way: a refused input leaves every table as it was; an accepted one
  stores exactly the normalised text (``drafting.text.validation.normalise``).

The last test stores the accepted payloads in elements, proposals and a cover letter,
issues one revision and renders its PDFs once: each payload is literal text in the PDF's
text layer, and the PDFs hold no JavaScript, launch or URI actions, or embedded files.
"""

import functools
import io
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest.mock import ANY
from urllib.parse import quote, urljoin, urlsplit

import pikepdf
import pytest
from axes.utils import reset as axes_reset
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from weasyprint import HTML

from drafting.models import (
    ConsultationRound,
    Element,
    ElementChange,
    ExportJob,
    Notification,
    Proposal,
    ProposalMark,
    Revision,
)
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.text import validation
from tests.factories import UserFactory, chairs_office, delegate_of, issue_form_fields, secretariat
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

# `pytest --slow` (tests/conftest.py): every payload through every endpoint.
SLOW = os.environ.get("TESTS_SLOW") == "1"
MIN_INPUTS = 200 if SLOW else 120
MIN_PAYLOADS = 200  # distinct XSS payloads in the file
XSS = [
    line
    for line in (Path(__file__).parents[1] / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .split("\n")
    if line
]
SQL = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE drafting_proposal; --",
    "1; DROP TABLE auth_user",
    "'); DELETE FROM drafting_element; --",
    "1' AND 1=CAST((SELECT version()) AS int) --",
    "' UNION SELECT username, password FROM auth_user --",
    "1; SELECT pg_sleep(10) --",
    "'||pg_sleep(10)||'",
    "admin'--",
    "%' OR 1=1 --",
    "\\'; --",
    "$$; DROP TABLE drafting_element; $$",
    "E'\\x00'",
    "' || (SELECT chr(0)) || '",
    "1e309",
    "-1",
    "0",
    "99999999999999999999999999",
    "9" * 5000,
    "²",
    "١٢٣",
    "NaN",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "\\",
    "%",
    "_",
    "&proposed_text=injected&kind=delete",
    "a=b&c=d",
]
CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f"
HOSTILE = [
    "",
    " ",
    "\t",
    "\r\n",
    "\x00",
    "a\x00b",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    CONTROL,
    "text with a bell\x07 in it",
    "\x1b[31mred\x1b[0m",
    "\x85next line",
    "\u202egnp.exe",
    "abc\u202edef\u202c",
    "\u202d\u202a\u202b\u2066\u2067\u2068\u2069",
    "Effective control \u2067over\u2069 SALW",
    "\u200f\u200e\u061c marks",
    "\ufeffBOM first",
    "zero\u200bwidth\u200djoin",
    "line\u2028separator\u2029paragraph",
    "\ue000 private use",
    "\U000f0000 plane-15 private use",
    "\U000e0001 language tag",
    "\ufffe\uffff nonchars",
    "e" + "\u0301" * 5000,
    "😀" * 3000,
    "\U00010348\U0001d11e astral",
    "مكافحة الاتجار غير المشروع",
    "שלום [עולם]",
    "中文文本测试",
    "[" * 5000,
    "]" * 5000,
    "[" * 2000 + "]" * 2000,
    "x" * 4001,
    "x" * 8001,
    "n" * 300,
    "n" * 301,
    "n" * 501,
    "n" * 1999,
    "n" * 2001,
    "First paragraph.\r\n\r\nSecond paragraph, as a browser sends a textarea.",
    "line one\rline two\nline three",
    "x" * 1_000_000,
    "<script>" * 131_072,  # 1 MB of markup
    "a " * 500_000,  # 1 MB of words
]
INPUTS = XSS + SQL + HOSTILE
# How many endpoints share the XSS payloads (one share each).
SHARES = 1 if SLOW else 3


def inputs(share: int) -> list[str]:
    """The inputs of one endpoint: one share of the XSS payloads (``share``: the endpoint's
    number, each in turn getting the next), every SQL fragment and hostile input."""
    return XSS[share % SHARES :: SHARES] + SQL + HOSTILE


def sample(share: int) -> list[str]:
    """The inputs of a form whose page is slow to render (the propose form lists 200
    delegations): half of its share of the XSS payloads, and all the rest."""
    return XSS[share % (2 * SHARES) :: 2 * SHARES] + SQL + HOSTILE


# Request bodies that are not UTF-8 (or not well-formed form encoding) at all.
RAW_BODIES = [
    b"\xff\xfe\xfd",
    b"proposed_text=\xc3\x28&kind=amend",
    b"proposed_text=%C3%28&kind=insert_after&new_element_kind=theme",
    b"text=%ED%A0%80&action=compose",  # an encoded surrogate
    b"note=%F4%90%80%80&action=reject",  # beyond U+10FFFF
    b"name=%FF&form=open",
    b"cover_letter=\xe2\x82&confirm=1",
    b"%%%=%%%",
    b"a=%00%00&b=%",
    b"\x00" * 1000,
    b"=" * 100 + b"&" * 100,
    b"kind=" + b"\x80" * 1000,
]
RISKY = re.compile(r"[<>\"']")


def _mb(value: str) -> str:
    return value if len(value) < 60 else f"{value[:40]!r}... ({len(value):,} chars)"


class Fuzzer:
    """Sends requests, checks every response, and collects failures instead of stopping."""

    def __init__(self, endpoint: str, user=None):
        self.endpoint = endpoint
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.failures: list[str] = []
        self.tried = 0

    def fail(self, value, message: str) -> None:
        """Record a failure; the test goes on with the next input and fails at the end."""
        self.failures.append(f"{self.endpoint} {_mb(str(value))}: {message}")

    def send(self, method: str, url: str, value, *, echoed=(), htmx=False, **kwargs):
        """One request; ``value`` is the hostile input it carries (counted and checked)."""
        self.tried += 1
        headers = {"HX-Request": "true"} if htmx else {}
        response = getattr(self.client, method)(url, headers=headers, **kwargs)
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            detail = repr(exc[1])[:300] if exc else ""
            self.fail(value, f"status {response.status_code} {detail}")
            return response
        body = self.html(response)
        if isinstance(value, str) and RISKY.search(value) and value in body:
            self.fail(value, "appears unescaped in the page")
        for text in echoed:
            if text and escape(text) not in body:
                self.fail(value, f"escaped form of {_mb(text)} not shown")
        return response

    @staticmethod
    def html(response) -> str:
        if not response.get("Content-Type", "").startswith("text/html"):
            return ""
        return response.content.decode("utf-8", "replace")

    def raw(self, url: str, body: bytes):
        """A POST whose body is raw bytes, sent as a form."""
        return self.send(
            "post", url, body, data=body, content_type="application/x-www-form-urlencoded"
        )

    def finish(self) -> None:
        print(f"\nfuzz {self.endpoint}: {self.tried} inputs")
        assert not self.failures, "\n".join(self.failures[:60])
        assert self.tried >= MIN_INPUTS


COUNTED = (
    Proposal,
    ProposalMark,
    Element,
    ElementChange,
    Notification,
    ConsultationRound,
    Revision,
    ExportJob,
)
# One query for the row counts of every table a request could write (read before and after
# each of thousands of requests: one round trip instead of eight).
TABLES = [model._meta.db_table for model in COUNTED]
COUNTS_SQL = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in TABLES)  # noqa: S608


def _counts() -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL)
        return tuple(cursor.fetchone())


def _text_problems(text: str, max_length: int = validation.MAX_ELEMENT_TEXT) -> bool:
    return bool(validation.check_element_text(validation.normalise(text), max_length=max_length))


def _note_problems(text: str, max_length: int = validation.MAX_RATIONALE) -> bool:
    return bool(validation.check_note(validation.normalise(text), max_length=max_length))


THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def placeholder(bms7):
    return Element.objects.filter(kind="placeholder").first()


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn")


@pytest.fixture
def chair(bms7):
    return chairs_office()


def _submitted(user, element, text="Enhanced cooperation between exporting and importing states"):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


def test_the_payload_file_holds_at_least_200_distinct_payloads():
    assert len(XSS) == len(set(XSS)) >= MIN_PAYLOADS
    # Every share together is every payload; each endpoint gets more than MIN_INPUTS.
    for shares in (inputs, sample):
        together = [value for part in range(2 * SHARES) for value in shares(part)]
        assert set(together) == set(INPUTS)
        assert min(len(shares(part)) for part in range(2 * SHARES)) >= MIN_INPUTS


# --- delegations' forms ------------------------------------------------------------------

HUGE = 1_000_000


def _refused_cleanly(fuzz, value, response, before) -> bool:
    """A refusal: 422 (413 for a body over the upload limit, before it is read), every table
    as it was, and the input kept in the form, escaped."""
    expected = {413} if len(value) >= HUGE else {422}
    if response.status_code not in expected or _counts() != before:
        fuzz.fail(value, f"not refused cleanly ({response.status_code})")
        return False
    if response.status_code == 422 and value.strip() and escape(value) not in fuzz.html(response):
        fuzz.fail(value, "the refused input is not kept, escaped, in the form")
        return False
    return True


def _safe_location(location: str) -> bool:
    """A redirect stays on this site (relative references resolve against it)."""
    resolved = urlsplit(urljoin("http://testserver/m/bms7/", location.replace("\\", "/")))
    return resolved.scheme == "http" and resolved.netloc == "testserver"


def _nul_free(value: str) -> bool:
    """PostgreSQL refuses NUL in a query: the test looks such inputs up by other means."""
    return "\x00" not in value


def test_propose_new_language_with_a_rationale(japan, theme, open_round):
    """Every input as the text of a new element (insert after) and as its rationale: stored
    exactly and shown escaped, or refused with a 422, kept in the form, nothing stored."""
    fuzz = Fuzzer("propose: insert after (text, rationale)", japan)
    url = reverse("propose", args=["bms7", theme.pk])
    submitted = []
    values = inputs(0)
    for index, value in enumerate(values):
        key = uuid.uuid4()
        before = _counts()
        response = fuzz.send(
            "post",
            url,
            value,
            data={
                "kind": "insert_after",
                "new_element_kind": "theme",
                "proposed_text": value,
                "rationale": value,
                "base_text_seen": THEME,
                "idempotency_key": str(key),
                "action": "draft" if index % 10 == 0 else "submit",
            },
        )
        stored = Proposal.objects.filter(idempotency_key=key).first()
        if _text_problems(value) or _note_problems(value):
            _refused_cleanly(fuzz, value, response, before)
        elif response.status_code != 302 or stored is None:
            fuzz.fail(value, f"a valid text was not stored ({response.status_code})")
        elif (stored.proposed_text, stored.rationale) != (validation.normalise(value),) * 2:
            fuzz.fail(value, "stored text differs")
        elif stored.status == "submitted":
            submitted.append((value, stored.proposed_text))
        else:  # a draft: its own page
            fuzz.send("get", response["Location"], value, echoed=[stored.proposed_text])
    # Every submitted proposal is on the element's page, escaped: one page for them all.
    page = fuzz.html(
        fuzz.send("get", reverse("element_proposals", args=["bms7", theme.pk]), "list")
    )
    for value, text in submitted:
        if escape(text) not in page:
            fuzz.fail(value, "not shown, escaped, among the element's proposals")
        if RISKY.search(value) and value in page:
            fuzz.fail(value, "appears unescaped among the element's proposals")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    assert len(submitted) > len(values) / 2  # most payloads are acceptable, stored as typed
    fuzz.finish()


KINDS = ["amend", "comment", "fill_placeholder", "add_brackets", "remove_brackets", "delete"]
PROPOSE_FIELDS = [
    "kind",
    "new_element_kind",
    "base_text_seen",
    "idempotency_key",
    "on_behalf_of",
    "co_sponsors",
    "version",
    "action",
]


def _kind_data(kind: str, value: str, element) -> dict:
    """The form as sent for this kind, with ``value`` where a delegate types."""
    return {
        "kind": kind,
        "proposed_text": {
            "amend": f"{element.text} {value}",
            "comment": element.text,
            "fill_placeholder": value,
            "add_brackets": f"[{element.text}]{value}",
            "remove_brackets": value,
            "delete": element.text,
        }[kind],
        "rationale": value if kind in {"comment", "delete"} else "",
        "new_element_kind": "theme",
        "base_text_seen": element.text,
        "action": "submit",
    }


def test_propose_every_other_kind_and_field(japan, theme, placeholder, open_round):
    """Each input in the text of one of the other kinds (amend, comment, fill an empty
    bullet, add or remove brackets, delete); every other input also in one of the form's
    other fields. Either the proposal is stored as sent, or nothing is."""
    fuzz = Fuzzer("propose: other kinds and fields", japan)
    for index, value in enumerate(sample(1)):
        kind = KINDS[index % len(KINDS)]
        element = placeholder if kind == "fill_placeholder" else theme
        data = _kind_data(kind, value, element)
        fields = [None] if index % 2 else [None, PROPOSE_FIELDS[index // 2 % len(PROPOSE_FIELDS)]]
        for field in fields:
            if field is not None:
                data = {**_kind_data("amend", "and more", theme), field: value}
                element = theme
            key = str(uuid.uuid4()) if field != "idempotency_key" else value
            data["idempotency_key"] = key
            before = _counts()
            response = fuzz.send(
                "post", reverse("propose", args=["bms7", element.pk]), value, data=data
            )
            label = field or kind
            if response.status_code != 302:
                if _counts() != before:
                    fuzz.fail(value, f"{label}: refused ({response.status_code}), yet stored")
                continue
            stored = Proposal.objects.order_by("-pk").first()
            expected = {"delete": "", "comment": element.text}.get(
                data["kind"], data["proposed_text"]
            )
            if _counts() == before or stored.proposed_text != validation.normalise(expected):
                fuzz.fail(value, f"{label}: accepted, but not stored as sent")
            elif stored.rationale != validation.normalise(data["rationale"]):
                fuzz.fail(value, f"{label}: rationale not stored as sent")
    for value in sample(2)[::4]:
        fuzz.send("get", reverse("propose", args=["bms7", theme.pk]), value, data={"kind": value})
    fuzz.finish()


def test_revise_a_proposal(japan, theme, open_round):
    fuzz = Fuzzer("proposal edit (text, rationale)", japan)
    proposal = proposal_create(
        user=japan,
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=False,
        content=ProposalContent(
            kind="insert_after", proposed_text="A first text", new_element_kind="theme"
        ),
    )
    url = reverse("proposal_edit", args=["bms7", proposal.public_id])
    for index, value in enumerate(sample(3)):
        proposal.refresh_from_db()
        before, version = _counts(), proposal.version
        old = (proposal.proposed_text, proposal.rationale)
        response = fuzz.send(
            "post",
            url,
            value,
            data={
                "kind": "insert_after",
                "new_element_kind": "theme",
                "proposed_text": value,
                "rationale": value,
                "base_text_seen": theme.text,
                "idempotency_key": str(proposal.idempotency_key),
                "version": str(version),
                "action": "draft",
            },
        )
        proposal.refresh_from_db()
        if _text_problems(value) or _note_problems(value):
            if _refused_cleanly(fuzz, value, response, before) and (
                (proposal.proposed_text, proposal.rationale) != old
            ):
                fuzz.fail(value, "refused, yet the proposal changed")
        elif response.status_code != 302 or proposal.version != version + 1:
            fuzz.fail(value, f"a valid revision was not stored ({response.status_code})")
        elif (proposal.proposed_text, proposal.rationale) != (validation.normalise(value),) * 2:
            fuzz.fail(value, "stored text differs")
        elif index % 5 == 0:
            fuzz.send("get", response["Location"], value, echoed=[proposal.proposed_text])
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_support_or_oppose_with_a_note(japan, theme, open_round):
    proposal = _submitted(japan, theme)
    fuzz = Fuzzer("proposal mark (note, stance)", delegate_of("mex"))
    url = reverse("proposal_mark", args=["bms7", proposal.public_id])
    detail = reverse("proposal_detail", args=["bms7", proposal.public_id])
    for index, value in enumerate(sample(4)):
        stance = value if index % 5 == 4 else ("support", "oppose")[index % 2]
        before = _counts()
        old = list(ProposalMark.objects.values_list("stance", "note"))
        htmx = index % 3 == 0
        response = fuzz.send("post", url, value, data={"stance": stance, "note": value}, htmx=htmx)
        mark = ProposalMark.objects.filter(proposal=proposal).first()
        refused = (
            stance not in {"support", "oppose"}
            or len(value.strip()) > 600
            or _note_problems(value, max_length=300)
        )
        if refused:
            expected = {413} if len(value) >= HUGE else {422}
            if response.status_code not in expected or _counts() != before:
                fuzz.fail(value, f"not refused cleanly ({response.status_code})")
            elif list(ProposalMark.objects.values_list("stance", "note")) != old:
                fuzz.fail(value, "refused, yet the mark changed")
        elif response.status_code != (200 if htmx else 302) or mark is None:
            fuzz.fail(value, f"a valid mark was not stored ({response.status_code})")
        elif (mark.stance, mark.note) != (stance, validation.normalise(value)):
            fuzz.fail(value, "stored note differs")
        elif index % 5 == 1:  # the mark form shows the delegation's own note
            fuzz.send("get", detail, value, echoed=[mark.note])
    fuzz.send("post", url, "clear", data={"clear": "1"})
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_proposal_actions_and_ids_in_the_address(japan, theme, open_round):
    """The action and the proposal's id are parts of the path: anything else is a 404."""
    proposal = _submitted(japan, theme)
    fuzz = Fuzzer("proposal action (action, id in the path)", japan)
    before = _counts()
    for index, value in enumerate(inputs(5)):
        segment = quote(value, safe="")[:5000]
        if index % 2:
            url = f"/m/bms7/proposals/{proposal.public_id}/{segment}/"
        else:
            url = f"/m/bms7/proposals/{segment}/withdraw/"
        response = fuzz.send("post", url, value)
        if response.status_code != 404:
            fuzz.fail(value, f"answered {response.status_code}")
    assert _counts() == before
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    fuzz.finish()


def test_the_live_diff_preview(japan, theme, open_round):
    fuzz = Fuzzer("diff preview (text, base, kind)", japan)
    url = reverse("diff_preview", args=["bms7", theme.pk])
    before = _counts()
    for index, value in enumerate(inputs(6)):
        kind = ["insert_after", "amend", value, "fill_placeholder"][index % 4]
        new = kind in {"insert_after", "fill_placeholder"}
        response = fuzz.send(
            "post",
            url,
            value,
            data={
                "kind": kind,
                "proposed_text": value,
                "base_text_seen": value if index % 4 == 1 else theme.text,
            },
            htmx=True,
            # New language is one insertion: the whole (shortened) text, escaped.
            # (A megabyte is refused whole, with 413, before it is read.)
            echoed=[validation.normalise(value[: 2 * validation.MAX_ELEMENT_TEXT])]
            if new and len(value) < HUGE
            else [],
        )
        if response.status_code != 200 and len(value) < HUGE:
            fuzz.fail(value, f"answered {response.status_code}")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    assert _counts() == before
    fuzz.finish()


# A round a month from now, for a week: within the window of drafting.web.bounds.
OPENS = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT10:00")
CLOSES = (timezone.localtime() + timedelta(days=37)).strftime("%Y-%m-%dT18:00")


def test_open_and_reopen_rounds(bms7):
    clerk = secretariat()
    fuzz = Fuzzer("rounds (open: name, dates; reopen: round, deadline)", clerk)
    url = reverse("rounds", args=["bms7"])
    stored_names = []
    for index, value in enumerate(sample(7)):
        before = _counts()
        name = value.strip()
        exists = _nul_free(name) and ConsultationRound.objects.filter(name=name).exists()
        response = fuzz.send(
            "post",
            url,
            value,
            data={
                "form": "open",
                "name": value,
                "opens_at": OPENS,
                "deadline": CLOSES,
            },
        )
        refused = (
            exists
            or not name
            or len(name) > 120
            or validation.forbidden_character(name, allow_newlines=False) is not None
        )
        if refused:
            _refused_cleanly(fuzz, value, response, before)
        elif response.status_code != 302 or _counts() == before:
            fuzz.fail(value, f"a valid round was not stored ({response.status_code})")
        elif ConsultationRound.objects.order_by("-pk").first().name != name:
            fuzz.fail(value, "stored name differs")
        else:
            stored_names.append((value, name))
        # Each page lists every round: the stored ones are listed together at the end.
        ConsultationRound.objects.filter(document=bms7.document).delete()
        if index % 3 == 0:  # the same input in the dates, the round to reopen, the form
            field = ("opens_at", "deadline", "round", "form")[index // 3 % 4]
            before = _counts()
            data = {
                "form": "reopen" if field == "round" else "open",
                "name": f"Round {index}",
                "round": "1",
                "opens_at": OPENS,
                "deadline": CLOSES,
                field: value,
            }
            response = fuzz.send("post", url, value, data=data)
            if response.status_code not in {200, 400, 403, 404, 413, 422} or _counts() != before:
                fuzz.fail(value, f"{field}: answered {response.status_code}, or stored")
    ConsultationRound.objects.bulk_create(
        ConsultationRound(
            document=bms7.document,
            name=name,
            opens_at=timezone.now() + timedelta(days=30),
            deadline=timezone.now() + timedelta(days=37),
            created_by=clerk,
        )
        for name in dict.fromkeys(name for _value, name in stored_names)
    )
    page = fuzz.html(fuzz.send("get", url, "list"))
    for value, name in stored_names:
        if escape(name) not in page:
            fuzz.fail(value, "not shown, escaped, among the rounds")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


# --- the chair's office ------------------------------------------------------------------


def test_quick_decisions(chair, japan, theme, open_round):
    proposal = _submitted(japan, theme)
    fuzz = Fuzzer("quick decision (note, action, proposal, back)", chair)
    url = reverse("quick_decision", args=["bms7"])
    detail = reverse("proposal_detail", args=["bms7", proposal.public_id])
    for index, value in enumerate(inputs(8)):
        field = ("note", "note", "action", "proposal", "back")[index % 5]
        data = {"proposal": str(proposal.public_id), "action": "defer", "note": "", "back": ""}
        data[field] = value
        before = _counts()
        response = fuzz.send("post", url, value, data=data)
        proposal.refresh_from_db()
        if response.status_code == 302 and not _safe_location(response["Location"]):
            fuzz.fail(value, f"redirects off the site: {response['Location'][:80]}")
        if field == "note":
            if _note_problems(value):
                if proposal.status != "submitted" or _counts() != before:
                    fuzz.fail(value, "a refused note was stored")
            elif response.status_code != 302 or proposal.status != "deferred":
                fuzz.fail(value, f"a valid note was refused ({response.status_code})")
            elif proposal.decision_note != validation.normalise(value):
                fuzz.fail(value, "stored note differs")
            elif index % 5 == 0:
                fuzz.send("get", detail, value, echoed=[proposal.decision_note])
        elif field != "back" and (_counts() != before or proposal.status != "submitted"):
            fuzz.fail(value, f"{field}: something was stored")
        Proposal.objects.filter(pk=proposal.pk).update(status="submitted", decision_note="")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_review_and_compose(chair, japan, theme, open_round):
    """The chair writes the element's text, citing a proposal (accepted with changes) or
    not: stored exactly, or refused (422) with the typed text kept and nothing written."""
    proposal = _submitted(japan, theme)
    fuzz = Fuzzer("element review: compose, accept with changes (text)", chair)
    url = reverse("element_review", args=["bms7", theme.pk])
    for index, value in enumerate(inputs(9)):
        theme.refresh_from_db()
        current = theme.text
        cite = index % 3 == 0
        before = _counts()
        data = {"action": "compose", "text": value, "expected_text": current, "note": ""}
        if cite:
            data["proposal"] = str(proposal.public_id)
        response = fuzz.send("post", url, value, data=data)
        theme.refresh_from_db()
        proposal.refresh_from_db()
        if _text_problems(value) or validation.normalise(value) == current:
            if _refused_cleanly(fuzz, value, response, before) and (
                theme.text != current or proposal.status != "submitted"
            ):
                fuzz.fail(value, "refused, yet something changed")
        elif response.status_code != 302 or theme.text != validation.normalise(value):
            fuzz.fail(value, f"a valid text was not stored as sent ({response.status_code})")
        elif cite and proposal.status != "accepted_with_changes":
            fuzz.fail(value, "the cited proposal was not accepted with changes")
        elif index % 4 == 0:
            fuzz.send("get", url, value, echoed=[theme.text])
        Proposal.objects.filter(pk=proposal.pk).update(status="submitted")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_insert_elements(chair, theme):
    """Each input as the text of an element the chair inserts (after the last one inserted,
    so that no sibling has to move): inserted exactly, or refused with nothing written."""
    fuzz = Fuzzer("element review: insert (text)", chair)
    after = theme
    for value in inputs(10):
        before = _counts()
        response = fuzz.send(
            "post",
            reverse("element_review", args=["bms7", after.pk]),
            value,
            data={"action": "insert", "new_kind": "theme", "new_text": value},
        )
        newest = Element.objects.order_by("-pk").first()
        if _text_problems(value):
            _refused_cleanly(fuzz, value, response, before)
        elif response.status_code != 302 or newest.pk == after.pk or _counts() == before:
            fuzz.fail(value, f"a valid element was not inserted ({response.status_code})")
        elif newest.text != validation.normalise(value):
            fuzz.fail(value, "inserted text differs")
        else:
            after = newest
    page = fuzz.send("get", reverse("working_draft", args=["bms7"]), "draft")
    body = fuzz.html(page)
    for element in Element.objects.filter(pk__gt=theme.pk, provisional=True):
        if f'<span class="text">{escape(element.text)}' not in body and "[" not in element.text:
            fuzz.fail(element.text, "not shown, escaped, in the working draft")
    fuzz.finish()


def test_the_other_fields_of_review_and_compose(chair, japan, theme, open_round):
    """Decision notes, proposal ids, statuses, kinds and actions, as posted."""
    proposal = _submitted(japan, theme)
    fuzz = Fuzzer("element review: decide, status, kind, action", chair)
    url = reverse("element_review", args=["bms7", theme.pk])
    for index, value in enumerate(inputs(11)):
        field = ("note", "proposal", "status", "new_kind", "action")[index % 5]
        data = {
            "note": {"action": "defer", "proposal": str(proposal.public_id), "note": value},
            "proposal": {"action": "reject", "proposal": value},
            "status": {"action": "status", "status": value, "note": "Why"},
            "new_kind": {"action": "insert", "new_kind": value, "new_text": "A new theme"},
            "action": {"action": value, "proposal": str(proposal.public_id)},
        }[field]
        before = _counts()
        response = fuzz.send("post", url, value, data=data)
        proposal.refresh_from_db()
        if field == "note" and not _note_problems(value):
            if response.status_code != 302 or proposal.decision_note != validation.normalise(value):
                fuzz.fail(value, f"note: a valid note was not stored ({response.status_code})")
        elif _counts() != before or proposal.status != "submitted":
            fuzz.fail(value, f"{field}: refused, yet something was stored")
        elif len(value) < HUGE and response.status_code != 422:
            fuzz.fail(value, f"{field}: refused with {response.status_code}")
        Proposal.objects.filter(pk=proposal.pk).update(status="submitted", decision_note="")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_issue_revisions(chair, bms7):
    """The cover letter and the signatory: stored exactly, or refused with nothing issued."""
    fuzz = Fuzzer("issue revision (cover letter, signatory, confirm)", chair)
    url = reverse("issue_revision", args=["bms7"])
    for index, value in enumerate(sample(12)):
        before = _counts()
        confirm = value if index % 7 == 6 else "1"
        response = fuzz.send(
            "post",
            url,
            value,
            data={
                "cover_letter": value,
                "signatory": value,
                "confirm": confirm,
                **issue_form_fields(),
            },
        )
        refused = confirm != "1" or not value.strip() or _note_problems(value, max_length=300)
        revision = Revision.objects.order_by("-number").first()
        if refused:
            _refused_cleanly(fuzz, value, response, before)
        elif response.status_code != 302 or _counts() == before:
            fuzz.fail(value, f"a valid revision was not issued ({response.status_code})")
        elif (revision.cover_letter, revision.signatory) != (validation.normalise(value),) * 2:
            fuzz.fail(value, "stored cover letter or signatory differs")
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


# --- exports, signing in, query strings --------------------------------------------------


def test_export_requests(bms7):
    """Anonymous users and delegates ask for a kind of export that does not exist; and
    export ids in the address."""
    delegate = Fuzzer("export request (kind, job id)", delegate_of("jpn"))
    anonymous = Client(raise_request_exception=False)
    url = reverse("export_request", args=["bms7", 0])
    before = _counts()
    for index, value in enumerate(inputs(13)):
        client, delegate.client = delegate.client, anonymous if index % 2 else delegate.client
        response = delegate.send("post", url, value, data={"kind": value})
        delegate.client = client
        if response.status_code != (413 if len(value) >= HUGE else 404):
            delegate.fail(value, f"answered {response.status_code}")
        delegate.send("get", f"/m/bms7/exports/{quote(value, safe='')[:2000]}/", value)
    assert _counts() == before
    for body in RAW_BODIES:  # without a kind, the revision's PDF: a job, or the stored file
        delegate.raw(url, body)
    delegate.finish()


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_signing_in(bms7, fast_hashing):
    """Wrong credentials: the username comes back escaped; right ones with a hostile
    ``next``: the redirect stays on this site."""
    UserFactory(username="fuzzer", password="correct horse")
    fuzz = Fuzzer("login (username, password, next)")
    url = reverse("login")
    for index, value in enumerate(inputs(14)):
        # Long inputs share their first 150 characters (what django-axes records): five of
        # them lock that "username" out (429, tested in test_accounts.py). Start each input
        # afresh so that every one reaches the form.
        axes_reset()
        shown = [value] if value.strip() and len(value) < HUGE and _nul_free(value) else []
        response = fuzz.send(
            "post",
            url,
            value,
            data={"username": value, "password": value, "next": value},
            echoed=shown,
        )
        if response.status_code not in {200, 400, 413} or "_auth_user_id" in fuzz.client.session:
            fuzz.fail(value, f"answered {response.status_code}")
        if index % 2 == 0:
            response = fuzz.send(
                "post",
                url,
                value,
                data={"username": "fuzzer", "password": "correct horse", "next": value},
            )
            if len(value) >= HUGE:  # refused whole, before the password is looked at
                if response.status_code != 413 or "_auth_user_id" in fuzz.client.session:
                    fuzz.fail(value, f"a megabyte of next answered {response.status_code}")
            elif response.status_code != 302 or not _safe_location(response["Location"]):
                fuzz.fail(value, f"signed in, then sent to {response.get('Location', '')[:80]!r}")
            fuzz.client.logout()
        else:
            fuzz.send("get", url, value, data={"next": value})
    for body in RAW_BODIES:
        fuzz.raw(url, body)
    fuzz.finish()


def test_query_strings(chair, japan, theme, open_round):
    """Filters and parameters in the query string, on the pages that read one (compilation,
    compare, the propose form) and those that do not: never a 500, never reflected raw."""
    _submitted(japan, theme)
    fuzz = Fuzzer("query strings (compilation, compare, every page)", chair)
    pages = [
        reverse("home"),
        reverse("working_draft", args=["bms7"]),
        reverse("revision_list", args=["bms7"]),
        reverse("revision_detail", args=["bms7", 0]),
        reverse("element_history", args=["bms7", theme.pk]),
        reverse("element_proposals", args=["bms7", theme.pk]),
        reverse("element_review", args=["bms7", theme.pk]),
        reverse("rounds", args=["bms7"]),
        reverse("issue_revision", args=["bms7"]),
        reverse("revision_pdf", args=["bms7", 0]),
    ]
    compilation = reverse("compilation", args=["bms7"])
    compare = reverse("compare", args=["bms7"])
    for index, value in enumerate(sample(15)):
        if index % 2 == 0:
            field = ("item", "delegation", "kind", "status")[index // 2 % 4]
            fuzz.send("get", compilation, value, data={field: value})
        else:
            fuzz.send("get", compare, value, data={"from": value, "to": value})
        if index % 5 == 0:
            fuzz.send("get", pages[index // 5 % len(pages)], value, data={"q": value})
            fuzz.send("get", f"/m/{quote(value, safe='')[:2000]}/draft/", value)
            fuzz.send("get", f"/m/bms7/revisions/0/pdf/{quote(value, safe='')[:2000]}/", value)
    for raw in ["%FF%FE", "%C3%28", "%ED%A0%80", "%00", "item=%FF&delegation=%00", "to=%F4%90"]:
        fuzz.send("get", f"{compilation}?{raw}", raw)
        fuzz.send("get", f"{compare}?{raw}", raw)
    fuzz.finish()


# --- lengths and dates ---------------------------------------------------------------------


def _bounded_forms(bms7):
    """Every form of the app, bound to nothing: (name, form)."""
    from django.contrib.auth import get_user_model

    from drafting.forms import MarkForm, ProposalForm, ReopenForm, RoundForm
    from drafting.models import Delegation, Element, Meeting
    from drafting.views.accounts import PasswordChangeForm, SignInForm, TokenForm
    from drafting.views.audit import AuditFilterForm

    return [
        (
            "propose",
            ProposalForm(
                delegation=Delegation.objects.get(code="jpn"),
                meeting_id=Meeting.objects.get(slug="bms7").pk,
                element=Element.objects.get(text=THEME),
            ),
        ),
        ("mark", MarkForm()),
        ("open round", RoundForm()),
        ("reopen round", ReopenForm()),
        ("audit filter", AuditFilterForm(element_choices=[])),
        ("one-time code", TokenForm()),
        ("sign-in", SignInForm()),
        ("change password", PasswordChangeForm(user=get_user_model()())),
    ]


def test_every_form_field_has_a_maximum_length_or_range(bms7):
    """Text fields have a maximum length, numbers a range, dates a window (a clean method);
    choices, ids and keys are bounded by what they must match."""
    from django import forms

    unbounded = []
    for name, form in _bounded_forms(bms7):
        for field_name, field in form.fields.items():
            label = f"{name}.{field_name}"
            if isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.UUIDField):
                continue
            if isinstance(field, forms.IntegerField):
                if field.min_value is None or field.max_value is None:
                    unbounded.append(label)
            elif isinstance(field, forms.DateField | forms.DateTimeField):
                if not hasattr(form, f"clean_{field_name}"):
                    unbounded.append(label)
            elif isinstance(field, forms.CharField):
                if field.max_length is None:
                    unbounded.append(label)
            else:
                unbounded.append(f"{label} ({type(field).__name__})")
    assert not unbounded


def test_lengths_at_and_just_over_every_limit(japan, theme, open_round, fast_hashing):
    """Each text field at its limit is taken; one character more is refused with a message,
    nothing stored; ten times more too. Never a 500, each answer within a second."""
    import time

    mexico = delegate_of("mex")
    proposal = _submitted(japan, theme)
    propose = reverse("propose", args=["bms7", theme.pk])
    mark = reverse("proposal_mark", args=["bms7", proposal.public_id])

    def proposal_data(**changes):
        return {
            **_kind_data("amend", "and more", theme),
            "idempotency_key": str(uuid.uuid4()),
            **changes,
        }

    cases = [
        # (who, url, data for a value, limit, answers at the limit, over it)
        (japan, propose, lambda v: proposal_data(proposed_text=v), 4_000, 302, 422),
        (japan, propose, lambda v: proposal_data(rationale=v), 2_000, 302, 422),
        (japan, propose, lambda v: proposal_data(base_text_seen=v), 8_000, 200, 422),
        (mexico, mark, lambda v: {"stance": "support", "note": v}, 300, 302, 422),
        (None, reverse("login"), lambda v: {"username": v, "password": "x"}, 150, 200, 200),
        (None, reverse("login"), lambda v: {"username": "someone", "password": v}, 4_096, 200, 200),
    ]
    numbers = [
        (japan, propose, lambda v: proposal_data(version=v), 2_147_483_647, 302, 422),
    ]
    fuzz = Fuzzer("lengths at and over each limit")
    for user, url, data, limit, at_limit, over in cases + numbers:
        if user is None:
            fuzz.client.logout()
        else:
            fuzz.client.force_login(user)
        if (user, url, data, limit, at_limit, over) in numbers:
            values = [str(limit), str(limit + 1), "9" * 40]
        else:
            values = ["w" * limit, "w" * (limit + 1), "w" * (10 * limit)]
        for index, value in enumerate(values):
            axes_reset()
            before = _counts()
            started = time.perf_counter()
            response = fuzz.send("post", url, value, data=data(value))
            seconds = time.perf_counter() - started
            expected = at_limit if index == 0 else over
            if response.status_code != expected:
                fuzz.fail(value, f"{url}: {response.status_code}, expected {expected}")
            if index and _counts() != before:
                fuzz.fail(value, f"{url}: refused, yet something was stored")
            # Not a benchmark (the host may be loaded): a guard against work that grows
            # without bound with the input (a regex gone quadratic, an uncapped field).
            if seconds > 10:
                fuzz.fail(value, f"{url}: took {seconds:.2f} s")
            if "_auth_user_id" in fuzz.client.session and user is None:
                fuzz.fail(value, "signed in")
    print(f"\nfuzz {fuzz.endpoint}: {fuzz.tried} inputs")
    assert not fuzz.failures, "\n".join(fuzz.failures)
    # The audit trail's username and the change-password form: a refusal, not a 500.
    fuzz.client.force_login(secretariat())
    for value in ["u" * 150, "u" * 151, "u" * 4_000]:
        response = fuzz.send("get", reverse("audit_trail"), value, data={"user": value})
        assert response.status_code == (200 if len(value) <= 150 else 422)
    for value in ["p" * 4_096, "p" * 4_097]:
        response = fuzz.send(
            "post",
            reverse("password_change"),
            value,
            data={"old_password": value, "new_password1": value, "new_password2": value},
        )
        assert response.status_code in {200, 422}


DATES = [
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "1970-01-01T00:00",
    "2026-02-30T10:00",
    "10000-01-01T00:00",
    "-001-01-01T00:00",
    "99999999999-01-01T00:00",
    "2030-13-01T00:00",
    "2030-01-01T25:00",
    "now",
    "",
    "\x00",
    "9" * 5000,
]


AUDIT_DATES = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "2026-02-30",
    "10000-01-01",
    "-001-01-01",
    "now",
    "\x00",
    "9" * 5000,
]


def _moment(delta: timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_dates_at_and_over_every_window(chair, japan, theme, open_round):
    """Openings, deadlines and reopenings at the edges of their window and far beyond it, and
    the audit trail's dates: inside, stored; outside or malformed, refused with a message and
    nothing stored. Afterwards every page that reads rounds still answers."""
    from drafting.web import bounds

    fuzz = Fuzzer("dates of rounds and of the audit trail", secretariat())
    url = reverse("rounds", args=["bms7"])
    now = timedelta(0)
    inside = [
        (now - bounds.ROUND_PAST + timedelta(days=1), now + timedelta(days=7)),
        (now, now + bounds.ROUND_FUTURE - timedelta(days=1)),
    ]
    outside = [
        (now - bounds.ROUND_PAST - timedelta(days=1), now + timedelta(days=7)),
        (now, now + bounds.ROUND_FUTURE + timedelta(days=1)),
    ]
    cases = [(_moment(a), _moment(b), True) for a, b in inside]
    cases += [(_moment(a), _moment(b), False) for a, b in outside]
    cases += [(_moment(now), value, False) for value in DATES]
    cases += [(value, _moment(now + timedelta(days=7)), False) for value in DATES]
    for index, (opens_at, deadline, valid) in enumerate(cases):
        before = _counts()
        data = {
            "form": "open",
            "name": f"Dated {index}",
            "opens_at": opens_at,
            "deadline": deadline,
        }
        response = fuzz.send("post", url, deadline, data=data)
        expected = 302 if valid else 422
        if response.status_code != expected or (_counts() == before) == valid:
            fuzz.fail(f"{opens_at} → {deadline}", f"answered {response.status_code}")
    fuzz.client.force_login(chair)
    for value in [*DATES, _moment(bounds.ROUND_FUTURE + timedelta(days=1))]:
        before = _counts()
        data = {"form": "reopen", "round": str(open_round.pk), "deadline": value}
        response = fuzz.send("post", url, value, data=data)
        if response.status_code != 422 or _counts() != before:
            fuzz.fail(value, f"reopen: answered {response.status_code}")
    fuzz.client.force_login(secretariat())
    today = timezone.localdate().isoformat()
    # A day past the window, reckoned now (not when the module was read: a run that crosses
    # midnight would move the window under it).
    past_the_window = (timezone.localdate() + timedelta(days=5 * 366 + 1)).isoformat()
    for value in [*AUDIT_DATES, past_the_window, "", "2000-01-01", today]:
        for field in ("since", "until"):
            response = fuzz.send("get", reverse("audit_trail"), value, data={field: value})
            valid = value in {"2000-01-01", today, ""}
            expected = 200 if valid else 414 if len(value) > 4_000 else 422
            if response.status_code != expected:
                fuzz.fail(value, f"audit {field}: answered {response.status_code}")
    # Whatever was stored, the pages that read rounds work for everyone.
    for user in (japan, chair):
        fuzz.client.force_login(user)
        for page in (url, reverse("delegation_page", args=["bms7"]), reverse("home")):
            if user is chair and "delegation" in page:
                continue
            fuzz.send("get", page, "page")
    fuzz.client.force_login(japan)
    response = fuzz.send(
        "post",
        reverse("propose", args=["bms7", theme.pk]),
        "submission",
        data={**_kind_data("amend", "and more", theme), "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    print(f"\nfuzz {fuzz.endpoint}: {fuzz.tried} inputs")
    assert not fuzz.failures, "\n".join(fuzz.failures)


# --- PDFs --------------------------------------------------------------------------------

# Keys that make a PDF act (run script, launch, open a link, submit, attach) rather than show.
ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",
    "/Launch",
    "/URI",
    "/SubmitForm",
    "/ImportData",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/FileAttachment",
    "/RichMedia",
    "/OpenAction",
    "/AA",
    "/GoToR",
    "/GoToE",
    "/Sound",
    "/Movie",
}


def _pdf_text(content: bytes) -> str:
    """The text layer in reading layout, without each page's running header and number."""
    kept = []
    for page in pdf_text(content).split("\f"):
        lines = [line for line in page.split("\n") if line.strip()]
        if lines and lines[0].startswith("A/CONF."):
            lines = lines[1:]
        if lines and re.fullmatch(r"\s*\d+/\d+\s*", lines[-1]):
            lines = lines[:-1]
        kept.extend(lines)
    return "\n".join(kept)


def _compact(text: str, *, rtl: bool) -> str:
    """For finding a text in a PDF's text layer: compatibility forms folded (ligatures,
    composed accents), whitespace removed (lines break anywhere), invisible format
    characters removed (they have no glyph). Right-to-left letters come out of the text
    layer in visual order: for a text that has them, they are left out on both sides."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        char
        for char in text
        if not char.isspace()
        and unicodedata.category(char) != "Cf"
        and not (rtl and unicodedata.bidirectional(char) in {"R", "AL", "AN"})
    )
    return text


@functools.lru_cache(maxsize=4)
def _compact_layer(text_layer: str, *, rtl: bool) -> str:
    """The text layer compacted once (not once for each of the hundreds of values sought in
    it), a hyphen the layout added at a line end undone."""
    return _compact(text_layer.replace("\u2010\n", ""), rtl=rtl)


def _pdf_shows(text_layer: str, value: str) -> bool:
    """``value`` is in the text layer; a hyphen the layout added at a line end is undone."""
    rtl = any(unicodedata.bidirectional(char) in {"R", "AL"} for char in value)
    return _compact(value, rtl=rtl) in _compact_layer(text_layer, rtl=rtl)


def _dictionaries(obj, seen: set) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary reachable from ``obj`` (stream dictionaries included), once each."""
    stack = [obj]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)


def _active_parts(content: bytes) -> tuple[set[str], list[str]]:
    """The acting keys and actions found anywhere in the PDF, and a description of every
    annotation that is not a link inside the document."""
    found: set[str] = set()
    foreign: list[str] = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.attachments) == 0
        for dictionary in _dictionaries(pdf.trailer, set()):
            found |= set(dictionary.keys()) & ACTIVE_KEYS
            action = dictionary.get("/S")
            if action in {"/JavaScript", "/Launch", "/URI", "/SubmitForm", "/ImportData"}:
                found.add(str(action))
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                action = annotation.get("/A")
                internal = annotation.get("/Subtype") == "/Link" and (
                    "/Dest" in annotation or (action is not None and action.get("/S") == "/GoTo")
                )
                if not internal:
                    foreign.append(repr(annotation)[:200])
    return found, foreign


def test_accepted_payloads_are_plain_text_in_the_pdfs(bms7, chair, japan, open_round):
    """Every payload the forms accept, stored where the PDFs print it (element texts, the
    cover letter and its signatory, proposals and their rationales), rendered once per PDF:
    literal text in the text layer, and nothing in the PDF that acts."""
    from drafting.exports.pdfs import StaticOnlyFetcher, render_pdf
    from drafting.services.elements import element_compose
    from drafting.services.revisions import revision_issue

    # The check finds what it looks for: a link out of the document is an acting key.
    linked = HTML(string='<a href="https://evil.example/">x</a>').write_pdf()
    assert _active_parts(linked) == ({"/URI"}, [ANY])

    texts = [v for v in XSS + SQL + HOSTILE if len(v) < 2_000 and not _text_problems(v)]
    notes = [v for v in XSS + SQL + HOSTILE if len(v) < 2_000 and not _note_problems(v)]
    assert len(texts) > 250
    # Many payloads to an element (joined by a separator), in every element with text.
    elements = list(Element.objects.filter(document=bms7.document).exclude(kind="placeholder"))
    per_element = -(-len(texts) // len(elements))
    for index, element in enumerate(elements):
        chunk = texts[index * per_element : (index + 1) * per_element]
        if chunk:
            element_compose(
                user=chair,
                element=element,
                text=" ¦ ".join(validation.normalise(v) for v in chunk),
                expected_text=element.text,
            )
    cover = "\n\n".join(["Excellency,", *(validation.normalise(v) for v in notes)])
    signatory = next(v for v in notes if "<" in v and len(v) < 300)
    revision = revision_issue(
        issued_by=chair,
        document=bms7.document,
        cover_letter=cover[:20_000],
        signatory=signatory,
        export_pdf=False,
    )
    assert revision.cover_letter == validation.normalise(cover[:20_000])
    # Proposals against it, for the compilation (new themes after a theme: a heading takes
    # no insertion beside it).
    first_theme = next(element for element in elements if element.kind == "theme")
    for value in texts[:150]:
        proposal_create(
            user=japan,
            element=first_theme,
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(
                kind="insert_after",
                proposed_text=value,
                rationale=value if value in notes else "",
                new_element_kind="theme",
            ),
        )

    for kind, expected in [
        ("revision", [*texts, *[n for n in notes if len(cover) < 20_000], signatory]),
        ("compilation", texts[:150]),
    ]:
        fetcher = StaticOnlyFetcher()
        content = render_pdf(bms7, revision, kind, fetcher=fetcher).content
        assert fetcher.refused == [], fetcher.refused[:5]  # nothing was even asked for
        text_layer = _pdf_text(content)
        missing = [v for v in expected if not _pdf_shows(text_layer, validation.normalise(v))]
        assert not missing, f"{kind}: {len(missing)} payloads not in the text: {missing[:10]}"
        found, foreign = _active_parts(content)
        assert not found, f"{kind}: {found}"
        assert not foreign, f"{kind}: {foreign[:5]}"
        print(f"\nfuzz PDF {kind}: {len(expected)} payloads as text, {len(content):,} bytes")


def test_invitations_accepting_them_and_password_resets(bms7, fast_hashing, settings):
    """The invitation form (address, role, delegation), the invitee's form (username,
    passwords, code), a token in the address, and the password-reset form: never a 500,
    nothing echoed unescaped, no account made from hostile input."""
    from django.contrib.auth import get_user_model

    from drafting.models import Delegation, Invitation
    from drafting.services.invitations import invitation_create
    from tests.factories import secretariat

    settings.PASSWORD_RESETS_PER_ADDRESS = 0  # every input reaches the form
    clerk = secretariat(username="clerk")
    sent = invitation_create(
        actor=clerk, email="chair@example.org", role="chairs_office", meeting=bms7
    )
    invite = Fuzzer("invitation (email, role, delegation)", clerk)
    accept = Fuzzer("accepting (username, passwords, code, token)")
    reset = Fuzzer("password reset (email)")
    create_url = reverse("invitation_create", args=["bms7"])
    accept_url = reverse("invitation_accept", args=[sent.token])
    kenya = str(Delegation.objects.get(code="ken").pk)
    users_before = get_user_model().objects.count()
    for value in sample(16):
        invite.send(
            "post",
            create_url,
            value,
            data={"email": value, "role": "delegate", "delegation": kenya},
        )
        invite.send(
            "post",
            create_url,
            value,
            data={"email": "x@example.org", "role": value, "delegation": value},
        )
        invite.send(
            "get", reverse("invitation_list", args=["bms7"]), value, data={"delegation": value}
        )
        accept.send(
            "post",
            accept_url,
            value,
            data={"username": value, "password1": value, "password2": value, "token": value},
        )
        accept.send("get", f"/accounts/invitation/{quote(value, safe='')[:2000]}/", value)
        reset.send("post", reverse("password_reset"), value, data={"email": value})
    for body in RAW_BODIES:
        invite.raw(create_url, body)
        accept.raw(accept_url, body)
    assert get_user_model().objects.count() == users_before
    assert Invitation.objects.get(pk=sent.invitation.pk).state == "pending"
    for fuzz in (invite, accept, reset):
        fuzz.finish()
