"""The pages' hot loops come from Jinja2 macros (`drafting.render.rendering`) and escape as Django
does; markup is declared safe in one place, the text core's brackets and word diffs."""

import re
import types
import uuid
from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils.html import escape
from django.utils.safestring import SafeString

from drafting.render import rendering
from drafting.render.markup import bracketed, render_diff
from drafting.render.presenters import CompiledElement, MarkEntry, summarise_marks

HOSTILE = "<b onmouseover=\"x('y')\">&amp;</b>"
ESCAPED = escape(HOSTILE)  # &lt;b onmouseover=&quot;x(&#x27;y&#x27;)&quot;&gt;&amp;amp;&lt;/b&gt;


class _Sponsors(list):
    def all(self):
        return self


def _proposal(number: int, **changes):
    fields = {
        "public_id": uuid.UUID(int=number),
        "delegation": types.SimpleNamespace(name=HOSTILE),
        "on_behalf_of_id": 1,
        "on_behalf_of": types.SimpleNamespace(short_name=HOSTILE),
        "co_sponsors": _Sponsors([types.SimpleNamespace(short_name=HOSTILE)]),
        "named_co_sponsors": ((HOSTILE,), (HOSTILE,)),
        "kind": "amend",
        "status": "submitted",
        "withdrawn_after_deadline": False,
        "status_label": "",
        "rationale": HOSTILE,
        "proposed_text": HOSTILE,
        "reflection": HOSTILE,
        "reflected_in": types.SimpleNamespace(label=HOSTILE),
        "decision_note": HOSTILE,
        "version": 3,
        "proposal_version": 3,
    }
    return types.SimpleNamespace(**{**fields, **changes})


def _marks():
    return summarise_marks(
        [
            MarkEntry(HOSTILE, "support", HOSTILE, 3),
            MarkEntry("Peru", "oppose", "", 3),
            MarkEntry("Chile", "support", HOSTILE, 2),
            MarkEntry(HOSTILE, "can_accept", HOSTILE, 3),
            MarkEntry(HOSTILE, "reservation", HOSTILE, 3),
        ],
        3,
    )


def _no_raw_markup(html: str) -> None:
    assert "<b " not in html and "onmouseover=\"x('y')\"" not in html
    assert "&#39;" not in html and "&#34;" not in html  # Jinja2's entities, not Django's


def test_escaped_is_djangos_escape_and_keeps_safe_values():
    """Every value a macro writes is escaped with Django's entities; a safe value is kept."""
    for value in (HOSTILE, "plain", 42, None, uuid.UUID(int=7)):
        assert rendering.escaped(value) == escape(value)
    assert rendering.escaped(SafeString("<em>kept</em>")) == "<em>kept</em>"


def test_proposal_block_escapes_every_value():
    """A compilation block shows the delegation, group, co-sponsors, rationale, diff and
    marks (current and earlier) of a proposal, each escaped as Django escapes."""
    words = rendering.block_words("bms7")
    html = str(rendering.proposal_block(_proposal(1), [("insert", HOSTILE)], _marks(), words))
    _no_raw_markup(html)
    assert html.startswith('<p class="who"><a href="/m/bms7/proposals/')
    assert html.count(ESCAPED) >= 6
    assert f"<ins>{ESCAPED}</ins>" in html
    assert '<p class="muted marks-earlier">' in html


@pytest.mark.django_db
def test_compiled_rows_decision_forms_are_per_proposal_and_blocks_not_escaped_again():
    """The chair's rows carry, per open proposal, a form with its public id, the version
    read and a fresh idempotency key; the cached block goes in as it is."""
    request = RequestFactory().get("/m/bms7/compilation/", {"q": HOSTILE})
    words = rendering.block_words("bms7")
    element = types.SimpleNamespace(
        id=5, kind="paragraph", label=HOSTILE, text=f"a [{HOSTILE}]", status="deleted"
    )
    entries, blocks = [], []
    for number, status in ((1, "submitted"), (2, "deferred"), (3, "accepted")):
        proposal = _proposal(number, status=status)
        entry = types.SimpleNamespace(
            status=status,
            public_id=proposal.public_id,
            proposal_version=3,
            reflected=number == 3,  # a revision carries the decision: no Undo either
            decided_at=None,
        )
        entries.append((entry, rendering.proposal_block(proposal, [], _marks(), words)))
        blocks.append(entries[-1][1])
    row = CompiledElement(element, 1, entries, 2)
    meeting = types.SimpleNamespace(slug="bms7", document=types.SimpleNamespace(pk=0))
    html = str(rendering.compiled_rows(request, [row], meeting, True))
    _no_raw_markup(html)
    assert all(str(block) in html for block in blocks)
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f-]{36})"', html)
    assert len(keys) == 2 and len(set(keys)) == 2  # the accepted proposal has no form
    assert html.count('<input type="hidden" name="version" value="3">') == 2
    assert html.count('value="defer"') == 1  # a deferred proposal is not deferred again
    assert f'aria-label="paragraph {ESCAPED}"' in html
    assert '<span class="status-badge deleted">' in html
    assert '<span class="open-count">2 open proposals</span>' in html
    assert 'href="/m/bms7/elements/5/review/"' in html


def test_review_cards_and_table_rows_escape_every_value():
    """Review and compose's cards and a delegation's table rows escape what delegations
    wrote; an open card's checkbox is checked when it was chosen."""
    proposal = _proposal(9)
    card = types.SimpleNamespace(proposal=proposal, segments=[("delete", HOSTILE)], marks=_marks())
    cards = str(rendering.review_cards([card], {str(proposal.public_id)}))
    _no_raw_markup(cards)
    assert f'value="{proposal.public_id}" checked>' in cards
    assert '<input type="hidden" name="version-' in cards
    rows = str(rendering.proposal_rows([(proposal, _marks())], "bms7", HOSTILE))
    _no_raw_markup(rows)
    assert rows.count(ESCAPED) >= 11  # the new stances' names and notes too
    assert str(rendering.proposal_rows([], "bms7", HOSTILE)) == (
        f'<tr><td colspan="6">{ESCAPED}</td></tr>'
    )


def test_macros_are_not_escaped_again_in_django_templates():
    """A Django template puts a macro's markup in as it is (it is Markup), and the values in
    it are escaped once."""
    page = engines["django"].from_string(
        "{% load compilation %}<select>{% select_options choices selected %}</select>"
    )
    html = page.render({"choices": [("pe", "Peru"), ("x", HOSTILE)], "selected": "pe"})
    assert html == (
        f'<select><option value="pe" selected>Peru</option>'
        f'<option value="x">{ESCAPED}</option></select>'
    )


def test_bracket_markup_and_diffs_escape_text_and_are_the_one_mark_safe():
    """The text core's brackets and word diffs are built from escaped text; they are the
    only markup declared safe in the code."""
    marked = bracketed(f"keep [{HOSTILE} [deeper]] it")
    assert ESCAPED in marked and "<b " not in marked
    assert '<span class="bracket">[</span><span class="unagreed depth-1">' in marked
    diff = render_diff([("insert", HOSTILE), ("delete", "<i>"), ("equal", "'")])
    assert diff == (f'<span class="diff"><ins>{ESCAPED}</ins><del>&lt;i&gt;</del>&#x27;</span>')
    root = Path(__file__).resolve().parents[2] / "drafting"
    calls = {
        str(path.relative_to(root)): path.read_text().count("mark_safe(")
        for path in root.rglob("*.py")
        if "mark_safe(" in path.read_text()
    }
    assert calls == {"render/markup.py": 1}


def _element(id, kind, label, text, status="open", footnotes=0, blocks=()):
    from drafting.render.presenters import ElementView, FootnoteView

    return ElementView(
        id=id,
        kind=kind,
        label=label,
        text=text,
        status=status,
        footnotes=[FootnoteView(number=n, text=HOSTILE, element_id=id) for n in range(footnotes)],
        open_brackets=0,
        subtree_open_brackets=2,
        blocks=list(blocks),
    )


def test_document_body_escapes_every_value_and_takes_counts_per_view():
    """A document page's body escapes labels and text (in attributes too), nests bullets in
    their list, and leaves each element's proposal count to `fill_counts`: a link where
    there are open proposals, nothing where there are none."""
    from drafting.render.presenters import Block

    bullets = [
        _element(3, "theme", HOSTILE, f"[{HOSTILE}]", status="deleted"),
        _element(4, "placeholder", "", ""),
        _element(5, "theme", "b", HOSTILE, status="agreed_ad_ref", footnotes=1),
    ]
    tree = [
        _element(1, "agenda_item", HOSTILE, HOSTILE, blocks=[Block(True, bullets)]),
        _element(2, "section", "", HOSTILE),
    ]
    body = rendering.document_body(tree, slug="bms7", can_propose=True, history=True)
    assert [id for id, _ in body.pieces] == [1, 3, 4, 5, 2]  # where each count goes
    assert all(hasattr(markup, "__html__") for _, markup in body.pieces)
    html = str(rendering.fill_counts(body, {1: 2, 4: 1, 2: 0}, "bms7"))
    _no_raw_markup(html)
    assert "<!--" not in html
    assert f'<span class="label">{ESCAPED}</span>' in html
    assert f'data-label="{ESCAPED}"' in html
    assert '<del class="text"><span class="bracket">[</span>' in html
    assert '<p class="bracket-count">2 open brackets in this item</p><ul class="bullets">' in html
    assert html.count('<a class="proposals-link"') == 2
    assert '<a class="proposals-link" href="/m/bms7/elements/1/proposals/">2 proposals</a>' in html
    assert 'href="/m/bms7/elements/4/proposals/">1 proposal</a>' in html
    assert '<sup class="fn-ref"><a href="#fn-0" id="fnref-0" aria-label="Footnote 0">0</a>' in html
    assert '<span class="status-badge agreed">' in html
    assert html.count('class="propose-link"') == 4  # not on the deleted bullet
    assert html.count('class="history-link"') == 5
    assert html.endswith("</section>")
    assert '<section class="section unnumbered" id="e-2"' in html
    revision = str(rendering.fill_counts(body, {}, "bms7"))
    assert "proposals-link" not in revision and "<!--" not in revision


def test_co_sponsor_options_escape_names_and_what_was_typed():
    """The co-sponsors combobox's list escapes the delegations' names and the query it
    repeats."""
    import types

    from django.template.loader import render_to_string

    html = render_to_string(
        "drafting/_co_sponsor_options.html",
        {"matches": [types.SimpleNamespace(pk=7, name=HOSTILE)], "more": False, "query": HOSTILE},
    )
    assert (
        f'<li role="option" id="co-sponsor-option-7" data-id="7" data-name="{ESCAPED}" '
        f'aria-selected="false">{ESCAPED}</li>'
    ) in html
    assert f"1 State matches “{ESCAPED}”" in html
    assert HOSTILE not in html
