"""The proposal form fits what is proposed (#18.4): the kinds offered by the element's kind,
an insertion that starts empty, a deletion shown read-only, the revise form's preview and
wording, the co-sponsors' combobox and its endpoint, and limits said before the paste and
never cut silently."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from drafting.models import Delegation, Element, Participation, Proposal
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import UserFactory, chairs_office, delegate_of, secretariat

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn")


def _propose_url(element, kind=None):
    url = reverse("propose", args=["bms7", element.pk])
    return f"{url}?kind={kind}" if kind else url


def _kinds_offered(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="kind" value="([a-z_]+)"', html)


def _checked_kind(html: str) -> str:
    (checked,) = re.findall(r'<input type="radio" name="kind" value="([a-z_]+)"[^>]*checked', html)
    return checked


def _new_element_kinds(html: str) -> list[str]:
    select = re.search(r'<select name="new_element_kind".*?</select>', html, re.S)
    return re.findall(r'<option value="([a-z_]*)"', select.group(0)) if select else []


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no text box {name}"
    return match.group(1)


def _form(element, **overrides):
    return {
        "kind": "amend",
        "proposed_text": "Effective [and transparent] control over SALW",
        "base_text_seen": element.text,
        "idempotency_key": str(uuid.uuid4()),
        "action": "submit",
        "rationale": "",
        **overrides,
    }


# --- 1. kinds offered by what the element is ----------------------------------------------

# What a theme (any paragraph) offers, in the form's order.
EVERY_KIND_AMENDING_FIRST = [
    "amend",
    "insert_after",
    "delete",
    "add_brackets",
    "remove_brackets",
    "comment",
]


def test_a_theme_offers_every_change_and_amending_first(client, japan, theme):
    client.force_login(japan)
    html = client.get(_propose_url(theme)).text
    assert _kinds_offered(html) == EVERY_KIND_AMENDING_FIRST
    assert _checked_kind(html) == "amend"
    assert _new_element_kinds(html) == ["theme", "subtheme"]


def test_an_empty_bullet_is_filled_or_commented_on_only(client, japan, bms7):
    """Before, "fill the empty bullet" was offered on every element, and amend, delete and
    brackets on an empty bullet."""
    placeholder = Element.objects.filter(kind="placeholder", parent__kind="section").first()
    client.force_login(japan)
    html = client.get(_propose_url(placeholder)).text
    assert _kinds_offered(html) == ["fill_placeholder", "comment"]
    assert _checked_kind(html) == "fill_placeholder"
    # Under a section an empty bullet is a theme's place (or a paragraph's).
    assert _new_element_kinds(html) == ["theme", "paragraph"]
    assert _textarea(html, "proposed_text") == "\n"


def test_a_heading_is_amended_bracketed_or_commented_on(client, japan, bms7):
    section = Element.objects.get(kind="section", text="National")
    client.force_login(japan)
    html = client.get(_propose_url(section)).text
    assert _kinds_offered(html) == ["amend", "add_brackets", "remove_brackets", "comment"]
    assert "fill_placeholder" not in html
    assert 'name="new_element_kind"' not in html


def test_a_kind_not_offered_for_the_element_is_refused_by_name(client, japan, bms7, round_1):
    section = Element.objects.get(kind="section", text="National")
    client.force_login(japan)
    response = client.post(_propose_url(section), _form(section, kind="delete"))
    assert response.status_code == 422
    assert "Select a valid choice. delete is not one of the available choices." in response.text
    assert not Proposal.objects.exists()


# --- insert after: empty, the current text for reference, an unedited copy refused ---------


def test_insert_after_starts_empty_with_the_current_text_for_reference(client, japan, theme):
    """Before, the box held the element's text, and sent unedited it repeated the element."""
    client.force_login(japan)
    html = client.get(_propose_url(theme, "insert_after")).text
    assert _checked_kind(html) == "insert_after"
    assert _textarea(html, "proposed_text") == "\n"
    assert (
        '<p class="reference for-insert" id="insert-reference"><strong>For reference, the '
        "current text (your new element goes after it):</strong> Effective control over SALW"
    ) in html
    assert "0 of 4,000 characters" in html


def test_an_insertion_repeating_the_element_word_for_word_is_refused(client, japan, theme, round_1):
    client.force_login(japan)
    response = client.post(
        _propose_url(theme),
        _form(theme, kind="insert_after", proposed_text=THEME, new_element_kind="theme"),
    )
    assert response.status_code == 422
    assert (
        "Your new element repeats the text of this one word for word: write the language to "
        "insert (the current text is shown above the box for reference)."
    ) in response.text
    assert not Proposal.objects.exists()


def test_a_new_element_of_a_kind_that_cannot_follow_is_refused(client, japan, theme, round_1):
    client.force_login(japan)
    response = client.post(
        _propose_url(theme),
        _form(theme, kind="insert_after", proposed_text="A new one", new_element_kind="paragraph"),
    )
    assert response.status_code == 422
    assert "paragraph is not one of the available choices" in response.text


# --- delete and comment ---------------------------------------------------------------------


def test_a_deletion_shows_the_text_read_only_and_the_box_only_for_text_kinds(client, japan, theme):
    """The text box sits in the part shown for kinds that take a text (``.for-text``, hidden
    by the style sheet for a deletion or a comment); the deletion's text is shown struck."""
    client.force_login(japan)
    html = client.get(_propose_url(theme, "delete")).text
    assert _checked_kind(html) == "delete"
    text_part = html[html.index('<div class="for-text">') : html.index('<div class="for-delete"')]
    assert 'name="proposed_text"' in text_part
    assert 'name="rationale"' not in text_part
    assert (
        '<div class="for-delete" id="text-to-delete">\n    <p><strong>The text your delegation '
        'proposes to delete:</strong></p>\n    <p class="deleted-text"><del>Effective control '
        "over SALW</del></p>"
    ) in html
    css = (
        ".proposal-form:has(input[name=kind][value=delete]:checked) .for-text,\n"
        ".proposal-form:has(input[name=kind][value=comment]:checked) .for-text,"
    )
    assert css in (Path(settings.BASE_DIR) / "static/css/drafting.css").read_text()


# --- 2. the revise form ---------------------------------------------------------------------


def _proposal(user, element, *, submit):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=submit,
        content=ProposalContent(
            kind="amend", proposed_text="Effective [and transparent] control over SALW"
        ),
    )


def test_the_revise_form_shows_the_proposals_change_on_load(client, japan, theme, round_1):
    """Before, it showed the current text with no change until the delegate typed."""
    proposal = _proposal(japan, theme, submit=True)
    client.force_login(japan)
    html = client.get(reverse("proposal_edit", args=["bms7", proposal.public_id])).text
    assert (
        '<p class="diff-text"><span class="diff">Effective <ins>[and transparent] </ins>'
        "control over SALW</span></p>"
    ) in html


def test_revising_a_submitted_proposal_says_what_saving_does(client, japan, theme, round_1):
    proposal = _proposal(japan, theme, submit=True)
    client.force_login(japan)
    html = client.get(reverse("proposal_edit", args=["bms7", proposal.public_id])).text
    assert (
        "Revising the submitted proposal of <strong>Japan</strong>: once saved, the revised "
        "text (version 2) replaces it for everyone at once, and co-sponsors who accepted are "
        "asked to confirm the new text."
    ) in html
    assert "until you submit it" not in html


def test_revising_a_draft_says_it_stays_the_delegations(client, japan, theme):
    proposal = _proposal(japan, theme, submit=False)
    client.force_login(japan)
    html = client.get(reverse("proposal_edit", args=["bms7", proposal.public_id])).text
    assert (
        "Revising a draft of <strong>Japan</strong>: no one outside your delegation sees it "
        "until you submit it."
    ) in html


# --- 3. co-sponsors: the combobox and its endpoint ------------------------------------------


def _options(html: str) -> list[str]:
    return re.findall(
        r'<li role="option" id="co-sponsor-option-\d+" data-id="\d+" '
        r'data-name="([^"]+)"',
        html,
    )


def _search(client, query, **extra):
    return client.get(
        reverse("co_sponsor_options", args=["bms7"]),
        {"co_sponsor_search": query, **extra},
        headers={"HX-Request": "true"},
    )


def test_the_form_has_a_combobox_not_a_list_of_every_delegation(client, japan, theme):
    client.force_login(japan)
    html = client.get(_propose_url(theme)).text
    assert "<select" not in html.split('id="field-co_sponsors"')[1]
    assert html.count("<option") < 20  # the new element's kinds, not 200 delegations
    assert re.search(
        r'<input type="text" name="co_sponsor_search" id="id_co_sponsor_search" value="" '
        r'maxlength="1000" autocomplete="off" spellcheck="false"\s+role="combobox" '
        r'aria-autocomplete="list" aria-expanded="false" aria-controls="co-sponsor-options"',
        html,
    )
    assert 'data-hx-get="/m/bms7/co-sponsors/"' in html
    assert '<ul id="co-sponsor-options" class="combobox-options" role="listbox"' in html


def test_the_endpoint_lists_matching_states_taking_part_only(client, japan, bms7):
    """Groups, organizations, the own delegation, those already chosen and delegations not
    taking part in the meeting are never offered."""
    client.force_login(japan)
    assert _options(_search(client, "ken").text) == ["Kenya"]
    assert _options(_search(client, "group").text) == []
    assert "No State taking part matches “group”." in _search(client, "group").text
    assert _options(_search(client, "japan").text) == []
    kenya = Delegation.objects.get(code="ken")
    assert _options(_search(client, "ken", co_sponsors=[str(kenya.pk)]).text) == []
    Participation.objects.filter(meeting=bms7, delegation=kenya).delete()
    assert _options(_search(client, "Kenya").text) == []
    # The last of names typed separated by commas is what is looked for.
    assert _options(_search(client, "Chile, mexi").text) == ["Mexico"]


def test_the_endpoint_answers_at_most_ten_and_says_so(
    client, japan, bms7, django_assert_max_num_queries
):
    client.force_login(japan)
    client.get(_propose_url(Element.objects.get(text=THEME)))  # session and user warmed
    with django_assert_max_num_queries(6):
        response = _search(client, "a")
    assert response.status_code == 200
    assert len(_options(response.text)) == 10
    assert "The first 10 States matching “a”: type more to narrow the list." in response.text
    assert "HX-Request" in response["Vary"]


def test_the_endpoint_bounds_what_it_is_sent(client, japan, bms7):
    client.force_login(japan)
    assert _search(client, "k" * 61).status_code == 400
    assert _search(client, "Kenya, " + "k" * 994).status_code == 400
    assert _search(client, "").status_code == 200
    assert _options(_search(client, "").text) == []
    many = [str(number) for number in range(1, 221)]
    assert _search(client, "ken", co_sponsors=many).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("chair", 403), ("secretariat", 403), ("no_role", 403), ("absent", 403)],
)
def test_only_delegates_taking_part_search_co_sponsors(client, bms7, who, status):
    users = {
        "chair": chairs_office,
        "secretariat": secretariat,
        "no_role": UserFactory,
        "absent": lambda: delegate_of("ken"),
    }
    if who == "absent":
        Participation.objects.filter(meeting=bms7, delegation__code="ken").delete()
    if who != "anonymous":
        client.force_login(users[who]())
    assert _search(client, "mex").status_code == status


def test_the_endpoint_takes_no_post(client, japan, bms7):
    client.force_login(japan)
    response = client.post(reverse("co_sponsor_options", args=["bms7"]), {"co_sponsor_search": "k"})
    assert response.status_code == 405


def test_names_typed_without_the_list_are_named_as_co_sponsors(client, japan, theme, round_1):
    """Without the script: whole names (any case) separated by commas, beside the chips."""
    client.force_login(japan)
    chile = Delegation.objects.get(code="chl")
    response = client.post(
        _propose_url(theme),
        _form(theme, co_sponsor_search="kenya, Mexico", co_sponsors=[str(chile.pk)]),
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert sorted(i.delegation.code for i in proposal.cosponsor_invitations.all()) == [
        "chl",
        "ken",
        "mex",
    ]


def test_unknown_names_and_groups_typed_are_refused_and_kept(client, japan, theme, round_1):
    client.force_login(japan)
    response = client.post(
        _propose_url(theme), _form(theme, co_sponsor_search="Kenya, Atlantis, African Group")
    )
    assert response.status_code == 422
    assert (
        "“Atlantis”, “African Group”: not a State taking part in this meeting. Choose names "
        "from the list (groups and organizations cannot co-sponsor)."
    ) in response.text
    assert 'value="Kenya, Atlantis, African Group"' in response.text
    assert not Proposal.objects.exists()


def test_the_chosen_co_sponsors_come_back_as_chips(client, japan, theme, round_1):
    kenya = Delegation.objects.get(code="ken")
    client.force_login(japan)
    response = client.post(
        _propose_url(theme), _form(theme, proposed_text="", co_sponsors=[str(kenya.pk), "x"])
    )
    assert response.status_code == 422
    assert (
        f'<li class="chip"><label><input type="checkbox" name="co_sponsors" value="{kenya.pk}" '
        "checked> Kenya</label></li>"
    ) in response.text


# --- 4. limits said before the paste, counted, never cut -------------------------------------


def test_the_limits_are_said_and_no_box_cuts_a_paste(client, japan, theme):
    """Before, the text box had maxlength="8000": a longer paste was cut without a word, then
    refused at 4,000."""
    client.force_login(japan)
    html = client.get(_propose_url(theme)).text
    text_box = re.search(r'<textarea name="proposed_text"[^>]*>', html).group(0)
    rationale_box = re.search(r'<textarea name="rationale"[^>]*>', html).group(0)
    assert "maxlength" not in text_box and "maxlength" not in rationale_box
    assert "Up to 4,000 characters. Put language that is not agreed in [square brackets]." in html
    assert "Up to 2,000 characters; optional, except for a comment." in html
    assert (
        '<p class="char-count" id="id_proposed_text_count" data-char-count="id_proposed_text" '
        'data-limit="4000"'
    ) in html
    assert ">27 of 4,000 characters</p>" in html
    assert '<p class="visually-hidden" aria-live="polite" id="id_proposed_text_count_said">' in html


@pytest.mark.parametrize("length", [4_001, 5_000, 9_000])
def test_a_text_over_the_limit_comes_back_whole_with_its_error(
    client, japan, theme, round_1, length
):
    client.force_login(japan)
    text = ("word " * length)[: length - 1] + "x"
    response = client.post(_propose_url(theme), _form(theme, proposed_text=text))
    assert response.status_code == 422
    assert _textarea(response.content.decode(), "proposed_text") == "\n" + text
    assert f"The text has {length:,} characters; the limit is 4,000." in response.text
    assert f"{length:,} of 4,000 characters: {length - 4000:,} too many</p>" in response.text
    assert not Proposal.objects.exists()


def test_a_rationale_over_the_limit_comes_back_whole(client, japan, theme, round_1):
    client.force_login(japan)
    rationale = "r" * 4_500
    response = client.post(_propose_url(theme), _form(theme, rationale=rationale))
    assert response.status_code == 422
    assert _textarea(response.content.decode(), "rationale") == "\n" + rationale
    assert "The text has 4,500 characters; the limit is 2,000." in response.text


def test_the_live_preview_says_the_real_length_of_a_long_paste(client, japan, theme):
    """Before, it cut the text at 8,000 and said so many characters."""
    client.force_login(japan)
    response = client.post(
        reverse("diff_preview", args=["bms7", theme.pk]),
        {"kind": "amend", "proposed_text": "x" * 12_345, "base_text_seen": THEME},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "The text has 12,345 characters; the limit is 4,000." in response.text


def test_the_forms_element_and_delegation_choices_are_set_per_form_not_copied(theme):
    """Issue 19: every form deep-copies its declared fields; the kinds, the groups and the
    co-sponsors are the element's and the delegation's, so none is declared only to be
    copied and replaced (a third of the copying of each submission): each form has its own."""
    from drafting.forms import ProposalForm

    declared = ProposalForm.base_fields
    assert list(declared["kind"].choices) == []
    assert list(declared["new_element_kind"].choices) == []
    assert declared["on_behalf_of"].queryset is None
    assert declared["co_sponsors"].queryset is None
    jpn = Delegation.objects.get(code="jpn")
    form = ProposalForm(delegation=jpn, meeting_id=theme.document.meeting_id, element=theme)
    assert [value for value, _label in form.fields["kind"].choices] == EVERY_KIND_AMENDING_FIRST
    assert "mex" in set(form.fields["co_sponsors"].queryset.values_list("code", flat=True))
