"""The write gate under real concurrency on PostgreSQL (issue #15, points 1 and 3).

Every pair of the chair's writes, and every delegation's write against each of them, races
on one element with real threads and connections. The outcome must be: no deadlock and no
database error of any kind; each loser gets a domain error (a clear conflict naming the
state it found); and no winner's change is lost.
"""

import itertools
import threading
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import connection

from drafting.models import Document, Element, ElementStatus, Proposal, Revision
from drafting.services import decisions, elements
from drafting.services.gate import LockOrderError, open_gate
from drafting.services.marks import mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_revise,
    proposal_withdraw,
)
from drafting.services.revisions import revision_issue
from drafting.web.errors import DomainError
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _notices_queued_not_mailed(settings):
    """The notices the writes make are saved in the gate's transaction as always; the worker
    that mails them once it commits (``mail_notifications``) is not run here. Run at once (the
    tests' default), it read the whole working draft after every commit (half of this file's
    time) and could fail no test: the immediate backend records a task's error, it does not
    raise it. The mail is tested in tests/services/test_notice_mail.py."""
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
    }


BASE = "one two three four five six seven eight nine ten"


@dataclass
class Stage:
    """One element made for one race, the proposals on it and the people acting."""

    chair: object
    other_chair: object
    delegates: dict
    element: Element
    proposals: dict = field(default_factory=dict)
    text_before: str = ""
    number: int = 0
    version: int = 0


def _submit(stage: Stage, code: str, kind: str = "amend", text: str = "", **extra) -> Proposal:
    return proposal_create(
        user=stage.delegates[code],
        element=stage.element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind=kind, proposed_text=text, **extra),
    )


def _replace(word: str, new: str) -> str:
    return BASE.replace(word, new).replace("eight", "eight delta")


# Each action: (set-up on the stage, the write, what must hold afterwards if it won).
def _set_up_undo(stage):
    proposal = stage.proposals["undo"]
    decisions.proposal_accept(user=stage.chair, proposals=[proposal])


ACTIONS = {
    # chair's office
    "accept": lambda s, who: decisions.proposal_accept(user=who, proposals=[s.proposals["accept"]]),
    "accept_with_changes": lambda s, who: decisions.proposal_accept_with_changes(
        user=who, proposal=s.proposals["awc"], text=_replace("four", "four bravo")
    ),
    "reject": lambda s, who: decisions.proposal_reject(user=who, proposal=s.proposals["reject"]),
    "defer": lambda s, who: decisions.proposal_defer(user=who, proposal=s.proposals["defer"]),
    "compose": lambda s, who: elements.element_compose(
        user=who,
        element=s.element,
        text=s.text_before.replace("six", "six [charlie]"),
        expected_text=s.text_before,
        cited=[s.proposals["compose"]],
    ),
    "insert": lambda s, who: elements.element_insert(
        user=who, after=s.element, kind="theme", text="Inserted by the chair"
    ),
    "move": lambda s, who: elements.element_move(user=who, element=s.element, direction="up"),
    "status": lambda s, who: elements.element_set_status(
        user=who, element=s.element, status=ElementStatus.AGREED
    ),
    "undo": lambda s, who: decisions.decision_undo(user=who, proposal=s.proposals["undo"]),
    "issue": lambda s, who: revision_issue(
        issued_by=who,
        document=s.element.document,
        cover_letter="Excellency,",
        export_pdf=False,
        expected_number=s.number,
        expected_version=s.version,
    ),
}
DELEGATION_ACTIONS = {
    "revise": lambda s, who: proposal_revise(
        user=s.delegates["jpn"],
        proposal=s.proposals["accept"],
        content=ProposalContent(kind="amend", proposed_text=_replace("two", "two echo")),
        expected_version=s.proposals["accept"].version,
        submit=True,
    ),
    "withdraw": lambda s, who: proposal_withdraw(
        user=s.delegates["bra"], proposal=s.proposals["reject"]
    ),
    "mark": lambda s, who: mark_set(
        user=s.delegates["ind"], proposal=s.proposals["accept"], stance="support"
    ),
    "submit": lambda s, who: _submit(s, "fra", text=_replace("ten", "ten foxtrot")),
}


def _stage(chair, other_chair, delegates, anchor: Element) -> Stage:
    """A fresh element, with a proposal for each action, one of them already accepted."""
    element = elements.element_insert(user=chair, after=anchor, kind="theme", text=BASE)
    stage = Stage(chair, other_chair, delegates, element)
    stage.proposals["undo"] = _submit(stage, "mex", text=BASE.replace("eight", "eight delta"))
    _set_up_undo(stage)
    stage.proposals["accept"] = _submit(stage, "jpn", text=_replace("two", "two alpha"))
    stage.proposals["awc"] = _submit(stage, "ken", text=_replace("four", "four b"))
    stage.proposals["reject"] = _submit(stage, "bra", kind="delete")
    stage.proposals["defer"] = _submit(stage, "ind", kind="comment", rationale="Later")
    stage.proposals["compose"] = _submit(stage, "chn", text=_replace("six", "six c"))
    element.refresh_from_db()
    stage.text_before = element.text
    document = Document.objects.get(pk=element.document_id)
    stage.version = document.version
    last = Revision.objects.filter(document=document).order_by("-number").first()
    stage.number = last.number + 1
    return stage


def _race(stage: Stage, first: str, second: str) -> dict[str, object]:
    """Run two actions at the same moment, each on its own connection; return each one's
    result or the exception it raised."""
    actions = {**ACTIONS, **DELEGATION_ACTIONS}
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def run(slot: str, name: str, who) -> None:
        try:
            barrier.wait(timeout=30)
            outcome[slot] = actions[name](stage, who)
        except Exception as error:
            outcome[slot] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", first, stage.chair)),
        threading.Thread(target=run, args=("second", second, stage.other_chair)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def _won(name: str, stage: Stage) -> list[str]:
    """What a winning action must have left behind; the problems found."""
    element = Element.objects.get(pk=stage.element.pk)
    problems = []

    def expect(condition: bool, what: str) -> None:
        if not condition:
            problems.append(f"{name} won but {what} (text now {element.text!r})")

    status = {p: Proposal.objects.get(pk=stage.proposals[p].pk).status for p in stage.proposals}
    if name == "accept":
        expect("alpha" in element.text or status["accept"] != "accepted", "its words are gone")
    elif name == "accept_with_changes":
        expect("bravo" in element.text, "its words are gone")
    elif name == "compose":
        expect("[charlie]" in element.text, "its words are gone")
    elif name == "undo":
        expect("delta" not in element.text, "the undone words are back")
    elif name == "status":
        expect(element.status == ElementStatus.AGREED, "the status is not agreed")
    elif name == "insert":
        expect(
            Element.objects.filter(
                parent_id=element.parent_id, text="Inserted by the chair"
            ).exists(),
            "the insertion is gone",
        )
    elif name == "reject":
        expect(status["reject"] in {"rejected", "withdrawn"}, "the proposal is not rejected")
    elif name == "revise":
        expect(
            "echo" in Proposal.objects.get(pk=stage.proposals["accept"].pk).proposed_text,
            "the revision is gone",
        )
    return problems


PAIRS = list(itertools.combinations_with_replacement(sorted(ACTIONS), 2)) + list(
    itertools.product(sorted(ACTIONS), sorted(DELEGATION_ACTIONS))
)


# The pairs in four shares, one test each: the two processes of the suite share them.
SHARES = 4


@pytest.mark.parametrize("share", range(SHARES))
def test_every_pair_of_writes_racing_on_one_element_ends_cleanly(bms7, round_1, share):
    """No deadlock or database error in any pair; losers get a domain error; winners'
    changes are all there; two issuers never make two revisions of one draft."""
    chair = chairs_office(first_name="Grace", last_name="Otieno")
    other_chair = chairs_office(first_name="Omar", last_name="Hilale")
    delegates = {code: delegate_of(code) for code in ("mex", "jpn", "ken", "bra", "ind", "chn")}
    delegates["fra"] = delegate_of("fra")
    anchor = Element.objects.get(text="Effective control over SALW")
    problems = []
    for first, second in PAIRS[share::SHARES]:
        stage = _stage(chair, other_chair, delegates, anchor)
        # The next stage goes after this one: inserting after the first anchor each time
        # moved every earlier stage down a place (a history row each, 50 on average).
        anchor = stage.element
        revisions_before = Revision.objects.count()
        outcome = _race(stage, first, second)
        for slot, name in (("first", first), ("second", second)):
            result = outcome.get(slot)
            if isinstance(result, DomainError):
                if not str(result):
                    problems.append(f"{first} vs {second}: {name} lost without a message")
            elif isinstance(result, BaseException):
                problems.append(f"{first} vs {second}: {name} raised {result!r}")
            else:
                problems.extend(f"{first} vs {second}: {p}" for p in _won(name, stage))
        issued = Revision.objects.count() - revisions_before
        if issued > 1:
            problems.append(f"{first} vs {second}: {issued} revisions issued from one draft")
    assert problems == []


def test_locks_are_never_taken_out_of_order(bms7):
    """The gate refuses proposals after elements: the order that keeps writers apart."""
    from django.db import transaction

    with transaction.atomic():
        gate = open_gate(bms7.document.pk)
        gate.elements([Element.objects.filter(document=bms7.document).first().pk])
        with pytest.raises(LockOrderError):
            gate.proposals([])


def test_the_gate_bumps_the_documents_version_once_per_write(bms7, round_1):
    """Each gated write bumps the version once, without a history row for the document;
    a refused write rolls its bump back."""
    chair = chairs_office()
    document = Document.objects.get(pk=bms7.document.pk)
    before, history_before = document.version, document.history.count()
    theme = Element.objects.get(text="Effective control over SALW")
    elements.element_set_status(user=chair, element=theme, status=ElementStatus.AGREED)
    elements.element_move(user=chair, element=theme, direction="down")
    document.refresh_from_db()
    assert document.version == before + 2
    assert document.history.count() == history_before
    with pytest.raises(DomainError, match="already has this status"):
        elements.element_set_status(
            user=chair, element=theme, status=ElementStatus.AGREED, reopen=True
        )
    document.refresh_from_db()
    assert document.version == before + 2


def test_the_shares_race_every_pair_once():
    shares = [pair for share in range(SHARES) for pair in PAIRS[share::SHARES]]
    assert sorted(shares) == sorted(PAIRS) and len(set(PAIRS)) == len(PAIRS)
