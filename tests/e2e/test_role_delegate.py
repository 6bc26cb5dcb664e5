"""Issue #18 as a delegate of a State sees it, in the browser: Kenya, which also speaks for
the African Group at this meeting (a group's delegate is a State's delegate who may propose
on the group's behalf; nothing else differs).

Kenya's delegate signs in and lands on Kenya's desk (#18.2): the open round and its deadline
in the meeting's time and her own, the chair's decision on Kenya's proposal since her last
visit, Japan's proposal waiting for Kenya's position and Mexico's invitation to co-sponsor,
each saying where it sits (#18.1). She accepts the invitation, replies once to the chair's
note (#18.3) and records that Kenya can accept Japan's proposal, with a note, which the desk
then lists. On the working draft (#18.8: words, not field names) she proposes on the empty
bullet of the regional section: the form offers to fill it, counts the characters as she
types, takes a co-sponsor from the combobox by keyboard alone, and on a theme offers no
filling, an empty box for an insertion and no box for a deletion (#18.4). The draft refreshes
its counts while open and says so (#18.7). The compilation shows only elements with
proposals, the decided one folded, the co-sponsor named, and filters by delegation (#18.5).
My delegation names the place of each proposal and invitation. Search, narrowed to proposals
of Kenya, leads to the proposal's place (#18.6). Every page is checked with axe and for field
values shown to the reader.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drafting.models import Delegation, Element, MeetingVisit, Proposal, ProposalKind
from drafting.services.decisions import proposal_reject
from tests.e2e.conftest import PASSWORD, open_round_for_a_day, page_problems, sign_in
from tests.factories import amendment, chairs_office, delegate_of, designate_coordinator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THEME = "Effective control over SALW"
REFRESH_DRAFT = """() => htmx.ajax("GET", location.pathname, {
    source: "[data-hx-trigger='every 30s']", target: "#draft-body",
    select: "#draft-body", swap: "outerHTML"})"""


def test_a_delegate_of_kenya_works_from_its_desk(page, live_server, bms7):
    problems = {}
    document = bms7.document
    open_round_for_a_day(document)
    designate_coordinator(bms7, "african-group", "ken")
    kenya = delegate_of("ken", username="wanjiru", first_name="Wanjiru", password=PASSWORD)
    japan, mexico = delegate_of("jpn"), delegate_of("mex")
    elements = {
        text: Element.objects.get(document=document, text=text)
        for text in (THEME, "Regional roadmaps", "Regional best practices")
    }
    # Kenya's last visit was two hours ago; the chair's office has decided since.
    MeetingVisit.objects.create(
        user=kenya, meeting=bms7, last_visit_at=timezone.now() - timedelta(hours=2)
    )
    rejected = amendment(kenya, elements["Regional roadmaps"], "Regional and national roadmaps")
    proposal_reject(user=chairs_office(), proposal=rejected, note="Roadmaps are regional.")
    amendment(japan, elements[THEME], "Effective control over [all] SALW")
    amendment(
        mexico,
        elements["Regional best practices"],
        "Regional best practices and lessons learned",
        co_sponsors=[Delegation.objects.get(code="ken")],
    )

    # The desk (#18.2), each proposal with its place (#18.1).
    sign_in(page, live_server, "wanjiru", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk of Kenya")
    expect(page.locator(".round-state")).to_contain_text("“Round 1” is open until")
    expect(page.locator(".round-state .local-time")).to_contain_text("your time")
    news = page.locator(".desk-since")
    expect(news.get_by_role("heading", level=2)).to_contain_text("Since your last visit")
    expect(news).to_contain_text(
        re.compile(r"Amend the text \(Agenda item 1, section .*Regional roadmaps\): rejected")
    )
    expect(news).to_contain_text("The chair's note: Roadmaps are regional.")
    waiting = page.locator("table.waiting tbody tr")
    expect(waiting).to_have_count(2)  # Japan's, and Mexico's until Kenya co-sponsors it
    japans = waiting.filter(has_text="Japan · amend the text")
    expect(japans).to_contain_text(re.compile(rf"Agenda item 1, section .*{THEME}"))
    invitations = page.locator("table.invitations tbody tr")
    expect(invitations).to_contain_text("Mexico · amend the text")
    expect(invitations).to_contain_text(
        re.compile(r"Agenda item 1, section .*Regional best practices")
    )
    problems["desk"] = page_problems(page)
    invitations.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/desk/"))
    expect(page.locator("table.invitations tbody tr")).to_contain_text("accepted")

    # One reply to the chair's note, shown under the decision (#18.3).
    news.get_by_role("link", name="Amend the text").click()
    expect(page.locator(".facts")).to_contain_text(re.compile(r"Where\s*Agenda item 1, section"))
    page.get_by_label("Your delegation's reply").fill("A national roadmap serves the regional one.")
    page.get_by_role("button", name="Send the reply").click()
    reply = page.locator("#decision-reply")
    expect(reply).to_contain_text("A national roadmap serves the regional one.")
    expect(reply.get_by_role("button", name="Send the reply")).to_have_count(0)
    problems["own proposal, replied"] = page_problems(page)

    # A position with a note, then listed on the desk (#18.3).
    page.get_by_role("link", name="Desk", exact=True).click()
    page.locator("table.waiting").get_by_role("link", name="Japan · amend the text").click()
    expect(page.locator(".facts")).to_contain_text(re.compile(rf"Where\s*Agenda item 1.*{THEME}"))
    page.get_by_label("Your delegation's position").select_option(label="can accept")
    page.get_by_label("Note (optional)").fill("If “all” covers ammunition too.")
    page.get_by_role("button", name="Record our position").click()
    expect(page.locator("#marks .can-accept-count")).to_have_text("1 can accept")
    expect(page.locator("#marks")).to_contain_text("Kenya (“If “all” covers ammunition too.”)")
    problems["Japan's proposal, Kenya's position"] = page_problems(page)
    page.get_by_role("link", name="Desk", exact=True).click()
    positions = page.locator("table.positions")
    expect(positions).to_contain_text("Can accept")
    expect(positions).to_contain_text("If “all” covers ammunition too.")
    expect(page.locator("table.waiting")).to_contain_text("Nothing waits for your position.")

    # The working draft speaks in words (#18.8); the empty bullet of "Regional" is filled.
    page.get_by_role("link", name="Working draft", exact=True).click()
    expect(
        page.get_by_role("link", name="propose a change to this agenda item").first
    ).to_be_attached()
    problems["working draft"] = page_problems(page)
    regional_bullet = Element.objects.get(
        document=document, parent=elements["Regional roadmaps"].parent, kind="placeholder"
    )
    page.locator(f"#e-{regional_bullet.pk}").get_by_role(
        "link", name="propose language for this empty bullet"
    ).click()
    expect(page.locator(".current-element .place")).to_contain_text(
        re.compile(r"^Agenda item 1, section c\), empty bullet$")
    )
    expect(page.get_by_label("fill the empty bullet")).to_be_checked()
    box = page.get_by_label("Proposed text")
    count = page.locator("#id_proposed_text_count")
    expect(count).to_have_text("0 of 4,000 characters")
    box.press_sequentially("Regional [firearms] roadmaps", delay=10)
    expect(count).to_have_text("28 of 4,000 characters")
    page.get_by_label("On behalf of").select_option(label="African Group")
    combobox = page.get_by_role("combobox", name="Co-sponsors")
    combobox.press_sequentially("ghana", delay=30)
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_text(["Ghana"])
    combobox.press("ArrowDown")
    combobox.press("Enter")
    expect(page.locator("#co-sponsor-chips")).to_contain_text("Ghana")
    problems["proposal form, empty bullet"] = page_problems(page)
    page.get_by_role("button", name="Submit to the chair").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Proposal of Kenya: fill the empty bullet"
    )
    expect(page.locator(".facts")).to_contain_text(re.compile(r"On behalf of\s*African Group"))
    expect(page.locator("#cosponsorship")).to_contain_text("Ghana: invited, awaiting reply")
    problems["proposal filling the bullet"] = page_problems(page)

    # On a theme the form fits each kind (#18.4).
    page.goto(f"{live_server.url}/m/bms7/elements/{elements[THEME].pk}/propose/")
    expect(page.get_by_label("fill the empty bullet")).to_have_count(0)
    expect(page.locator(".current-element .place")).to_contain_text(THEME)
    page.get_by_label("insert a new element after this one").check()
    expect(box).to_have_value("")
    expect(page.locator("#insert-reference")).to_contain_text(THEME)
    page.get_by_label("delete the element").check()
    expect(box).to_be_hidden()
    expect(page.locator("#text-to-delete")).to_contain_text(THEME)
    problems["proposal form, deletion"] = page_problems(page)

    # The working draft refreshes its counts and says so (#18.7).
    page.goto(f"{live_server.url}/m/bms7/draft/")
    theme = page.locator(f"#e-{elements[THEME].pk}")
    expect(theme.locator(".proposals-link")).to_have_text("1 proposal")
    amendment(mexico, elements[THEME], "Effective national control over SALW")
    page.evaluate(REFRESH_DRAFT)
    expect(page.locator("#live-news")).to_have_text(
        "The working draft was refreshed: 4 open proposals."
    )
    expect(theme.locator(".proposals-link")).to_have_text("2 proposals")

    # The compilation: elements with proposals only, the decided folded, co-sponsors named,
    # and a filter by delegation (#18.5).
    page.get_by_role("link", name="Compilation", exact=True).click()
    sections = page.locator("section.compiled")
    expect(sections).to_have_count(4)
    expect(page.get_by_label("Show elements without proposals too")).not_to_be_checked()
    expect(page.locator("details.decided")).to_have_count(1)
    expect(page.locator("details.decided summary")).to_contain_text("Kenya")
    best_practices = page.locator(f"#e-{elements['Regional best practices'].pk}")
    expect(best_practices.locator(".who")).to_contain_text("co-sponsored by Kenya")
    problems["compilation"] = page_problems(page)
    page.get_by_label("Delegation").select_option(label="Kenya")
    page.get_by_role("button", name="Filter").click()
    expect(sections).to_have_count(2)
    expect(page.locator("li.compiled-proposal")).to_have_count(2)
    problems["compilation of Kenya's proposals"] = page_problems(page)

    # My delegation: each proposal, notice and invitation says where it sits (#18.1).
    page.get_by_role("link", name=re.compile(r"^My delegation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals of Kenya")
    submitted = page.locator("#submitted-title + table tbody tr")
    expect(submitted.filter(has_text="Fill the empty bullet")).to_contain_text(
        "Agenda item 1, section c), empty bullet"
    )
    expect(submitted.filter(has_text="rejected")).to_contain_text(
        re.compile(r"Agenda item 1, section c\), theme: Regional roadmaps")
    )
    expect(page.locator("table.invitations tbody tr")).to_contain_text(
        re.compile(r"Agenda item 1, section c\), theme: Regional best practices")
    )
    problems["My delegation"] = page_problems(page)

    # Search, narrowed to Kenya's proposals, leads to the proposal (#18.6).
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("roadmaps")
    page.get_by_label("Look in").select_option(label="proposals")
    page.get_by_label("Delegation").select_option(label="Kenya")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#in-proposals + ol.hits > li")
    expect(results).to_have_count(2)
    expect(page.locator("#in-draft")).to_have_count(0)
    hit = results.filter(has_text="fill the empty bullet")
    expect(hit.locator(".hit-place")).to_contain_text(re.compile(r"Agenda item 1, section"))
    problems["search"] = page_problems(page)
    hit.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Proposal of Kenya: fill the empty bullet"
    )
    assert (
        Proposal.objects.filter(delegation__code="ken", kind=ProposalKind.FILL_PLACEHOLDER).count()
        == 1
    )
    assert problems == {name: [] for name in problems}
