"""Every page as each role (issue #18, "the workspace"): walking from the landing page by
its links, on a negotiation with something in every state (``every_state``), no page fails
and no page shows a field's stored value where its words belong: ``agreed_ad_ref`` for
"agreed ad referendum", ``insert_after``, ``needs_rebase``, an audit action's code, an enum's
name or a Python ``None``. Visible text and what assistive technology reads (aria-label,
title, alt, placeholder, the caption of a button) are checked; URLs, ids, class names, form
field names and values and data-* attributes are not (they are meant for machines)."""

import importlib
import inspect
import pkgutil
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

import drafting.models
from drafting.text.kinds import Kind, Status
from tests.factories import chairs_office, delegate_of, secretariat
from tests.views.every_state import every_state

pytestmark = pytest.mark.django_db

# Choices whose stored value is also a plain English word the interface may use in a
# sentence ("move", "at once" is stored as "immediately"): not forbidden as words.
ENGLISH_WORDS = frozenset({"move", "immediately", "off", "oppose", "mark"})
# Links not followed: signing out, files, the Django admin (its own pages, not ours), and
# actions that are links only for people without JavaScript.
SKIP = re.compile(r"logout|/pdf/|\.pdf$|\.docx$|\.xml$|\.json$|/download|/export|/files?/|^/admin/")
MAX_PAGES = 400
# Pages of one kind (the same path but for ids, the same query's keys) visited at most: each
# kind is checked on a few of its pages, not on all 400 elements' forms.
PER_KIND = 3
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
# Attributes read out by assistive technology, or shown on hover or as a button's caption.
READ_ATTRIBUTES = frozenset(
    {"aria-label", "aria-description", "aria-roledescription", "title", "alt", "placeholder"}
)
# Marks a link htmx follows: fetched as htmx does (``HX-Request``), for the fragment it swaps in.
HTMX = "htmx:"
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
NOT_TEXT = frozenset({"script", "style", "textarea"})


def _choices() -> list[type[models.Choices]]:
    found = []
    for info in pkgutil.iter_modules(drafting.models.__path__):
        module = importlib.import_module(f"drafting.models.{info.name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, models.Choices)
                and obj.__module__ == module.__name__
            ):
                found.append(obj)
    return found


def forbidden_words() -> frozenset[str]:
    """The stored values that must never be read by a person: those with an underscore or a
    dot, and those that differ from their label and are not a word of any label."""
    choices = _choices()
    label_words = {
        word
        for choice in choices
        for label in choice.labels
        for word in re.findall(r"[\w-]+", str(label).lower())
    }
    words = {str(value) for value in (*Kind, *Status) if "_" in value}
    for choice in choices:
        for value, label in choice.choices:
            value = str(value)
            coded = "_" in value or "." in value
            if coded or (value != str(label) and value not in label_words | ENGLISH_WORDS):
                words.add(value)
    return frozenset(words)


FORBIDDEN = forbidden_words()
INTERNAL = re.compile(
    # A stored value, as a word of its own (not inside a longer one, nor a file name).
    r"(?<![\w.-])(" + "|".join(re.escape(word) for word in sorted(FORBIDDEN)) + r")(?![\w-])"
    # Python: None, True, False, an enum's member ("ProposalStatus.DRAFT"), an object's repr.
    r"|\b(None|True|False)\b|\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b|<[A-Z]\w+(: | object at )"
)


class _ReadText(HTMLParser):
    """What a person reads or hears of a page: its text and the attributes read out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.read: list[str] = []
        self.links: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in NOT_TEXT:
            self._skipping.append(tag)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        # What htmx fetches into the page (a live region's refresh, a list of options).
        for name in ("data-hx-get", "hx-get"):
            if values.get(name):
                self.links.append(HTMX + (values[name] or ""))
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self.read.append(value)  # what is read out, not the attribute's name
        if tag == "input" and values.get("type") in BUTTON_INPUTS and values.get("value"):
            self.read.append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.read.append(data.strip())


def _users() -> dict:
    return {
        "kenya": delegate_of("ken", username="kenya"),
        "japan": delegate_of("jpn", username="japan"),
        "mexico": delegate_of("mex", username="mexico"),
        "india": delegate_of("ind", username="india"),
        "eu": delegate_of("eu", username="eu"),
        "chair": chairs_office(username="chair"),
        "secretariat": secretariat(username="secretariat"),
    }


def walk(client: Client, start: list[str]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Follow the site's own links (and htmx's) from the ``start`` pages, breadth first, up to
    MAX_PAGES pages and PER_KIND pages of a kind. Returns each page's status and, by page,
    the internal values it shows."""
    queue, statuses, shown = list(start), {}, {}
    kinds: dict[str, int] = {}
    while queue and len(statuses) < MAX_PAGES:
        url = queue.pop(0)
        if url in statuses:
            continue
        path = url.removeprefix(HTMX)
        response = client.get(path, headers={"HX-Request": "true"} if path != url else {})
        statuses[url] = response.status_code
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 or "html" not in content_type or response.streaming:
            continue
        if "attachment" in response.get("Content-Disposition", ""):
            continue
        reader = _ReadText()
        reader.feed(response.content.decode())
        found = [text for text in reader.read if INTERNAL.search(text)]
        if found:
            shown[url] = found[:5]
        for link in reader.links:
            href = link.removeprefix(HTMX)
            target = urldefrag(urljoin(path, href))[0]
            parts = urlsplit(target)
            if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if href != link:
                local = HTMX + local
            if local in statuses or local in queue or SKIP.search(parts.path):
                continue
            kind = ID.sub("#", local.split("?")[0]) + "?" + "&".join(sorted(parse_qs(parts.query)))
            if kinds.get(kind, 0) < PER_KIND:
                kinds[kind] = kinds.get(kind, 0) + 1
                queue.append(local)
    return statuses, shown


def test_the_forbidden_words_are_the_stored_values_not_the_words():
    assert {"agreed_ad_ref", "agenda_item", "insert_after", "needs_rebase", "igo"} <= FORBIDDEN
    assert {"mark_set", "revision.docx", "subtheme", "can_accept"} <= FORBIDDEN
    assert not {"pending", "amend", "draft", "submitted", "support"} & FORBIDDEN
    assert INTERNAL.search("Status: agreed_ad_ref")
    assert INTERNAL.search("ProposalStatus.DRAFT")
    assert INTERNAL.search("None")
    assert not INTERNAL.search("agreed ad referendum, a sub-theme, Rev.1, the-agenda_item.pdf")


ROLES = ("anonymous", "chair", "secretariat", "kenya", "eu")


def test_every_page_reads_as_words_for_each_role(bms7, subtests):
    """One negotiation, walked by each role in turn (one set-up for all: it is the slow part)."""
    users = _users()
    made = every_state(users)
    # Besides what the landing page leads to, the pages of everything in a state of its own
    # (a few pages of a kind would miss them).
    start = ["/"]
    for proposal in made.values():
        start.append(reverse("proposal_detail", args=[bms7.slug, proposal.public_id]))
        start.append(reverse("element_history", args=[bms7.slug, proposal.element_id]))
    for role in ROLES:
        with subtests.test(role=role):
            client = Client()
            if role != "anonymous":
                client.force_login(users[role])
            statuses, shown = walk(client, start)
            assert len(statuses) >= 20, statuses
            assert not {url: code for url, code in statuses.items() if code >= 500}
            assert not shown, shown


def test_the_sign_in_pages_own_link_does_not_nest_the_next_page(db):
    """On the sign-in page, "Sign in" linked to the sign-in page with itself as ?next=, one
    level deeper at each click: a walk of the site never ended."""
    page = Client().get("/accounts/login/?next=/m/bms7/revisions/").content.decode()
    assert 'href="/accounts/login/?next=/m/bms7/revisions/" aria-current="page"' in page
    assert "next=/accounts/login/" not in page
    assert "next%3D" not in page
