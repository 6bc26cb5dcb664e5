"""The pages' hot loops rendered from Jinja2 macros
(``templates/jinja/drafting/fragments.html``, and ``document.html`` for a document page's
body), and the Jinja2 environment that renders them.

A compilation shows thousands of proposals, review and compose hundreds of cards, and a
delegation's page fifty rows. Through the Django template engine these loops cost 3 to 30
times what the markup built in Python cost (a chair's compilation of 500 proposals: 183 ms
against 6 ms; measured at scale 0.1), so they are the one template rendered by the Jinja2
backend (``settings.TEMPLATES``, its own narrow directory): 9 ms there. Everything else is a
Django template.

Escaping is Django's: the environment's ``finalize`` (`escaped`) escapes every
``{{ value }}`` that is not safe, so the markup is the same, byte for byte, as a Django
template would give (the template's header says how). Labels are translated and escaped
here, once per page, and handed to the macros in ``words``.

A compilation's block (what a proposal shows) depends only on the proposal's version and is
cached (`page_cache`); the chair's decision form holds a per-request CSRF token and
idempotency key and is rendered on every view.
"""

import html
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import jinja2
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markupsafe import Markup

from drafting.models import ElementKind, ProposalKind, ProposalStatus
from drafting.render.enums import TEMPLATE_ENUMS
from drafting.render.markup import bracketed, render_diff
from drafting.render.presenters import STANCE_HEADINGS, STANCE_NAMES, ElementView
from drafting.services.idempotency import new_key
from drafting.templatetags.drafting_text import earlier_marks, with_notes
from drafting.text import numbering
from drafting.text.kinds import HEADINGS
from drafting.text.places import Place

FRAGMENTS = "drafting/fragments.html"
DOCUMENT = "drafting/document.html"
ANY_ID = 987654321  # stands for an element's id in a reversed URL
ANY_PROPOSAL = uuid.UUID(int=0)  # stands for a proposal's public id in a reversed URL
OPEN = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED})


def for_element(url: str, element_id: int) -> str:
    """A URL reversed once per page for `ANY_ID`, for element ``element_id`` (a ``reverse``
    per row cost more than the row)."""
    return url.replace(str(ANY_ID), str(element_id))


def for_proposal(url: str, public_id: uuid.UUID) -> str:
    """A URL reversed once per page for `ANY_PROPOSAL`, for the proposal ``public_id``."""
    return url.replace(str(ANY_PROPOSAL), str(public_id))


def escaped(value: object) -> str:
    """What a ``{{ value }}`` writes: Django's ``escape`` (``html.escape``: the same
    characters, the same entities; Jinja2's would write ``&#39;`` where Django writes
    ``&#x27;``) without its lazy-string wrapper, which cost a third of a compilation's
    rendering; a safe value (with ``__html__``: SafeString, Markup) as it is. Numbers and
    UUIDs, which hold no character to escape, are written as they are (a chair's compilation
    writes thousands: ids, versions, idempotency keys)."""
    if value.__class__ in _PLAIN:
        return str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_PLAIN = frozenset({int, uuid.UUID})


def _words(plain: dict[str, Any] | None = None, **labels: Any) -> SimpleNamespace:
    """What the macros are given once per page, looked up as attributes (a lookup in a dict
    goes through an AttributeError in Jinja2). ``labels`` (strings, or dicts of them) are
    escaped here, once; ``plain`` values (format strings and URLs, filled in the template)
    are escaped there."""
    return SimpleNamespace(
        **(plain or {}),
        **{
            key: (
                {k: conditional_escape(v) for k, v in value.items()}
                if isinstance(value, dict)
                else conditional_escape(value)
            )
            for key, value in labels.items()
        },
    )


BULLETS = frozenset({numbering.THEME_BULLET, numbering.SUBTHEME_BULLET, ""})


def place_words(place: Place | None) -> str:
    """Where an element sits, in words (plain text, translated): "Agenda item 1, section
    d), theme: Ban of development and trade…". Bullets ("-", "o") name nothing, so a theme
    is named by its opening words."""
    if place is None:
        return str(_("an element no longer in the working draft"))
    parts = []
    if place.chapter_label:
        parts.append(_("Chapter %(label)s") % {"label": place.chapter_label.rstrip(".")})
    if place.agenda_item_label and place.agenda_item_id != place.element_id:
        parts.append(_("Agenda item %(label)s") % {"label": place.agenda_item_label.rstrip(".")})
    if place.section_label:
        parts.append(_("section %(label)s") % {"label": place.section_label})
    kind = ElementKind(place.kind).label if place.kind in ElementKind.values else place.kind
    label = "" if place.label in BULLETS else place.label.rstrip(".")
    if place.paragraph_label and label:
        label = f"{place.paragraph_label.rstrip('.')} {label}"  # "paragraph 3 (a)"
    own = f"{kind} {label}".strip()
    parts.append(own if parts else own[:1].upper() + own[1:])
    where = ", ".join(str(part) for part in parts)
    return f"{where}: {place.opening}" if place.opening else where


def environment(**options: Any) -> jinja2.Environment:
    """The Jinja2 environment of ``settings.TEMPLATES``: autoescaping, with Django's escape."""
    options.pop("autoescape", None)  # the backend's default, True: macros return Markup
    env = jinja2.Environment(**options, autoescape=True, finalize=escaped)
    env.filters.update(
        bracketed=bracketed,
        render_diff=render_diff,
        with_notes=with_notes,
        earlier_marks=earlier_marks,
        for_element=for_element,
        for_proposal=for_proposal,
        truncate_words=lambda text, count: Truncator(text).words(count, truncate=" …"),
        first_words=lambda text, count: Truncator(text).words(count),
        in_words=place_words,
    )
    env.globals.update(new_key=new_key)
    env.globals.update(TEMPLATE_ENUMS)  # ElementStatus.DELETED, ... (enums.py)
    return env


def _macros(template: str = FRAGMENTS) -> Any:
    """The macros of a Jinja2 template. Jinja2 keeps the template, and the template its
    module, so this is a lookup (in DEBUG, reloaded when the file changed)."""
    return cast(Jinja2, engines["jinja2"]).env.get_template(template).module


def _proposal_labels() -> dict[str, Any]:
    """Labels of proposals, in the active language: translated here, once (the choices'
    labels are lazy: used as they are, each use of a label translated it again, and
    ``get_FOO_display`` also rebuilt and hashed the choices on every call)."""
    return {
        "kinds": {value: str(label) for value, label in ProposalKind.choices},
        "statuses": {value: str(label) for value, label in ProposalStatus.choices},
        "co_sponsored": _("co-sponsored by"),
        "stance_headings": {k: str(v) for k, v in STANCE_HEADINGS.items()},
        "stance_names": {k: str(v) for k, v in STANCE_NAMES.items()},
    }


def block_words(slug: str) -> SimpleNamespace:
    """What every compilation block of meeting ``slug`` shares (once per page)."""
    return _words(
        {
            "detail_url": reverse("proposal_detail", args=[slug, ANY_PROPOSAL]),
            "on_behalf": _("on behalf of %(group)s"),
            "replied": _("The reply of %(delegation)s:"),
            "earlier_note": _("(to the earlier note “%(note)s”)"),
        },
        **_proposal_labels(),
        supported=_("Supported by:"),
        opposed=_("opposed by:"),
        earlier=_("Given to an earlier version, no longer counted:"),
        decision_note=_("The chair's note:"),
    )


def proposal_block(proposal, segments, marks, words: SimpleNamespace) -> str:
    """What one proposal shows in the compilation: the inside of its ``<li>`` (safe)."""
    # Accepted co-sponsors only (an invitation not yet accepted names nobody).
    sponsors = [sponsor.short_name for sponsor in proposal.co_sponsors.all()]
    return _macros().block(proposal, segments, marks, sponsors, words)


def _undoable(meeting) -> Callable[[Any], bool]:
    """Whether the chair can still undo the decision on a compilation entry: until an issued
    revision carries it (``merge.carried_by_a_revision``; one query a page)."""
    from drafting.models import Revision
    from drafting.services.decisions import UNDOABLE, carried_by_a_revision

    last_issued_at = (
        Revision.objects.filter(document_id=meeting.document.pk)
        .order_by("-number")
        .values_list("issued_at", flat=True)
        .first()
    )
    return lambda entry: (
        entry.status in UNDOABLE and not carried_by_a_revision(entry, last_issued_at)
    )


def compiled_rows(
    request: HttpRequest,
    rows,
    meeting,
    can_decide: bool,
    *,
    card_only: bool = False,
    message: str = "",
    message_for: str = "",
    path: str = "",
    csrf_token: str = "",
) -> str:
    """The compilation's rows (safe): each element of the draft with its proposals under it,
    and the chair's decision forms when ``can_decide``; a decided proposal folded in a
    ``<details>``. With ``card_only``, only the ``<li>`` of each proposal (a decision's
    in-place answer), ``message`` (plain text) beside it; otherwise ``message`` goes beside
    the card of the proposal whose public id is ``message_for``. The decision forms carry
    ``csrf_token`` when given (a slot the cached page puts the request's token in), else the
    request's token."""
    labels = {
        "element_kinds": {value: str(label) for value, label in ElementKind.choices},
        # Bullets name nothing: a region is named by its element's opening words instead.
        "bullets": BULLETS,
        "empty": _("(empty bullet)"),
        "deleted": _("deleted"),
        "review": _("review and compose"),
        "no_match": _("No proposal matches these filters."),
        "statuses": {value: str(label) for value, label in ProposalStatus.choices},
    }
    plain: dict[str, Any] = {
        "open_count": _open_count,
        "open_statuses": OPEN,
        # Shown whole when they head rows below them; other elements by their opening words.
        "heading_kinds": HEADINGS,
        "decided": _("%(delegation)s's proposal, %(status)s"),
    }
    if can_decide:
        labels.update(
            note=_("Note to the delegation"),
            note_placeholder=_("Note to the delegation (optional)"),
            accept=_("Accept"),
            reject=_("Reject"),
            defer=_("Defer"),
            undo=_("Undo the decision"),
            decide_url=reverse("quick_decision", args=[meeting.slug]),
            csrf_token=csrf_token or get_token(request),
            path=path or request.get_full_path(),
        )
        plain.update(
            review_url=reverse("element_review", args=[meeting.slug, ANY_ID]),
            undo_whose=_("on the proposal of %(delegation)s"),
            undoable=_undoable(meeting),
        )
    return _macros().rows(
        rows, can_decide, _words(plain, **labels), card_only, message, message_for
    )


def _open_count(count: int) -> str:
    return ngettext("%(counter)s open proposal", "%(counter)s open proposals", count) % {
        "counter": count
    }


def review_cards(cards, chosen_ids) -> str:
    """Review and compose: one card per proposal on the element, with its checkbox while it
    is open (safe)."""
    words = _words(
        {"on_behalf": _("on behalf of %(group)s")},
        **_proposal_labels(),
        support=_("Support"),
        opposition=_("Opposition"),
        choose=_("choose / cite"),
    )
    return _macros().cards(cards, chosen_ids, words)


def proposal_rows(rows, slug: str, empty_text: str) -> str:
    """``<tr>`` elements of a delegation's table for (proposal, mark summary) pairs, or one
    saying ``empty_text`` (safe)."""
    labels = _proposal_labels()
    labels["kinds"] = {value: capfirst(label) for value, label in labels["kinds"].items()}
    words = _words(
        {
            "detail_url": reverse("proposal_detail", args=[slug, ANY_PROPOSAL]),
            "on_behalf": _("on behalf of %(group)s"),
            "reflected": _("%(reflection)s in %(revision)s"),
        },
        **labels,
        deletion=_("(deletion)"),
        invited=_("invited to co-sponsor, no answer yet:"),
        to_invite=_("co-sponsors to invite on submission:"),
    )
    return _macros().proposal_rows(rows, empty_text, words)


def options(choices, selected: str) -> str:
    """``<option>`` elements for (value, label) pairs, ``selected`` marked (safe)."""
    return _macros().options(choices, selected)


def tree_steps(elements: list[ElementView]) -> Iterator[tuple[str, Any]]:
    """The element tree in document order, flat, for a template's one loop: ``("open",
    element)`` and ``("close", element)`` around each element's children, ``("ul", block)``
    and ``("/ul", block)`` around a run of bullets. (A macro calling itself would have its
    markup escaped again; a Django ``{% include %}`` per element cost most of the page.)"""
    for element in elements:
        yield "open", element
        for block in element.blocks:
            if block.is_list:
                yield "ul", block
            yield from tree_steps(block.items)
            if block.is_list:
                yield "/ul", block
        yield "close", element


# Where an element's count goes: this, its id and "-->" (templates/jinja/drafting/document.html).
_MARKER = "<!--proposals:"


@dataclass(frozen=True, slots=True)
class Body:
    """A document page's body cut where each element's open proposal count goes: the markup
    before the first count (``head``), then for each count the element's id and the markup
    up to the next (safe markup: Markup). Cached as it is, while counts change."""

    head: Markup
    pieces: tuple[tuple[int, Markup], ...]


def document_body(
    elements: list[ElementView],
    *,
    slug: str,
    can_propose: bool,
    history: bool,
    chair: bool = False,
) -> Body:
    """A document page's body, the element tree, without its proposal counts (see `Body`;
    `fill_counts` puts them in); with ``chair``, the chair's office's tools beside each
    element (links to review and compose, where its forms are)."""
    words = _words(
        {
            "review_url": reverse("element_review", args=[slug, ANY_ID]) if chair else "",
            "propose_url": reverse("propose", args=[slug, ANY_ID]),
            "history_url": reverse("element_history", args=[slug, ANY_ID]),
            "footnote": _("Footnote %(n)s"),
            "change_to": _("a change to this %(kind)s"),
            "of_element": _("of %(kind)s %(label)s "),
            "open_brackets": _open_brackets,
            # Words, not field values: "a change to this agenda item", not "agenda_item".
            "kind_names": {value: str(label) for value, label in ElementKind.choices},
        },
        deleted=_("deleted"),
        agreed=_("agreed ad ref."),
        propose=_("propose"),
        propose_language=_("propose language"),
        for_empty=_("for this empty bullet"),
        history=_("history"),
        of_empty=_("of this empty bullet"),
        empty=_("Empty bullet: open for proposals"),
        chair_tools=_("Chair's tools"),
        review=_("review"),
        edit=_("edit"),
        insert=_("insert after"),
        move=_("move"),
    )
    body = _macros(DOCUMENT).body(tree_steps(elements), can_propose, history, words, chair)
    # Markup's own split and partition keep it markup: nothing here is declared safe.
    head, *rest = body.split(_MARKER)
    pieces = []
    for piece in rest:
        element_id, _end, after = piece.partition("-->")
        pieces.append((int(element_id), after))
    return Body(head, tuple(pieces))


def _open_brackets(count: int) -> str:
    return ngettext(
        "%(counter)s open bracket in this item", "%(counter)s open brackets in this item", count
    ) % {"counter": count}


def fill_counts(body: Body, counts: dict[int, int], slug: str) -> str:
    """A body from `document_body` with each element's open proposal count (``counts``, by
    element id) put in as a link to its proposals (safe)."""
    labels: dict[int, str] = {}

    def count_label(count: int) -> str:
        # A page holds hundreds of these: each count's label is translated once.
        if count not in labels:
            labels[count] = conditional_escape(
                ngettext("%(count)s proposal", "%(count)s proposals", count) % {"count": count}
            )
        return labels[count]

    words = SimpleNamespace(
        proposals_url=reverse("element_proposals", args=[slug, ANY_ID]), count_label=count_label
    )
    return _macros(DOCUMENT).filled(body, counts, words)
