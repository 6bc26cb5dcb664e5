"""A realistic large negotiation, generated deterministically for benchmarks and load tests.

At scale 1: 400 elements, a delegate for each of the ~200 delegations, 10 issued revisions,
5,000 submitted proposals spread unevenly (a few hot elements, most quiet) with word-level
edits (amendments, insertions, deletions, bracket changes, comments), and 20,000 marks.
Records are written in bulk *with* their history rows (simple-history's
``bulk_create_with_history``), so the audit trail is as a real meeting's would be.
"""

import datetime
import random
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from drafting.access import roles
from drafting.models import (
    ConsultationRound,
    DelegateProfile,
    Delegation,
    Document,
    Element,
    ElementKind,
    MarkStance,
    Meeting,
    Participation,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.services.revisions import revision_issue
from drafting.text import diff

# Benchmark data, not security: a seeded generator makes the same negotiation every time.
# ruff: noqa: S311

WORDS = (  # noqa: SIM905 - a paragraph of vocabulary reads better than a list
    "States cooperation implementation national regional global illicit trade small arms light "
    "weapons ammunition marking tracing record-keeping stockpile management diversion transfer "
    "export import transit end-user certificates capacity-building assistance information "
    "exchange gender-responsive approaches civil society industry research women participation "
    "border control customs law enforcement judicial cooperation sustainable development "
    "targets indicators reporting international instrument programme action measures"
).split()
QUALIFIERS = [
    "as appropriate",
    "where applicable",
    "in accordance with national legislation",
    "on a voluntary basis",
    "upon request",
    "consistent with international law",
]


@dataclass
class GeneratedNegotiation:
    meeting: Meeting
    elements: int
    proposals: int
    marks: int
    revisions: int


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    text = text[0].upper() + text[1:]
    if rng.random() < 0.35:  # bracketed language, as in a real draft
        parts = text.split(" ")
        start = rng.randrange(len(parts))
        end = min(len(parts), start + rng.randint(1, 4))
        parts[start] = "[" + parts[start]
        parts[end - 1] = parts[end - 1] + "]"
        text = " ".join(parts)
    return text


def _edit(rng: random.Random, text: str) -> tuple[ProposalKind, str]:
    """A word-level change a delegation might propose: (kind, proposed text)."""
    roll = rng.random()
    words = text.split(" ")
    if roll < 0.55:
        position = rng.randrange(len(words) + 1)
        words[position:position] = rng.choice(QUALIFIERS).split(" ")
        return ProposalKind.AMEND, " ".join(words)
    if roll < 0.7:
        position = rng.randrange(len(words))
        words[position] = rng.choice(WORDS)
        return ProposalKind.AMEND, " ".join(words)
    if roll < 0.8:
        plain = text.replace("[", "").replace("]", "")
        if "[" in text:
            return ProposalKind.REMOVE_BRACKETS, plain
        parts = plain.split(" ")
        start = rng.randrange(len(parts))
        parts[start] = "[" + parts[start] + "]"
        return ProposalKind.ADD_BRACKETS, " ".join(parts)
    if roll < 0.88:
        return ProposalKind.INSERT_AFTER, _sentence(rng, rng.randint(6, 18))
    if roll < 0.93:
        return ProposalKind.DELETE, ""
    return ProposalKind.COMMENT, text


def generate(*, scale: float, seed: int = 7, slug: str | None = None) -> GeneratedNegotiation:
    """Create the synthetic meeting ``slug`` (default ``synth-<scale>``); replaces none."""
    rng = random.Random(seed)
    slug = slug or f"synth-{scale:g}".replace(".", "_")
    user_model = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            slug=slug,
            title=f"Synthetic negotiation at scale {scale:g}",
            short_title=slug.upper(),
            venue="New York",
            start_date=datetime.date(2030, 6, 1),
            end_date=datetime.date(2030, 6, 12),
            chair="Synthetic chair",
            symbol_prefix=f"A/CONF.999/{slug.upper()}/WP.1",
        )
        # Every delegation takes part, as at BMS7.
        bulk_create_with_history(
            [Participation(meeting=meeting, delegation=d) for d in Delegation.objects.all()],
            Participation,
            default_change_reason="Generated",
        )
        document = Document.objects.create(
            meeting=meeting, title=f"{slug.upper()} Outcome Document"
        )
        chair = user_model.objects.create(
            username=f"{slug}-chair", first_name="Chair", last_name=slug
        )
        chair.set_unusable_password()
        chair.save()
        chair.groups.add(Group.objects.get(name=roles.CHAIRS_OFFICE))
        elements = _elements(rng, document, round(400 * scale))
    revision_issue(issued_by=chair, document=document, cover_letter="Excellency,", export_pdf=False)
    for number in range(1, 10):
        changed = rng.sample(elements, k=max(1, len(elements) // 25))
        for element in changed:
            if element.kind != ElementKind.PLACEHOLDER:
                element.text = _edit(rng, element.text)[1] or element.text
                element._history_user = chair
                element._change_reason = "Chair's proposal"
                element.save(update_fields=["text"])
        revision_issue(
            issued_by=chair, document=document, cover_letter=f"Rev.{number}", export_pdf=False
        )
    delegates = _delegates(slug)
    proposals = _proposals(rng, document, elements, delegates, round(5000 * scale), now)
    marks = _marks(rng, proposals, delegates, round(20000 * scale), now)
    return GeneratedNegotiation(meeting, len(elements), len(proposals), marks, 10)


def _elements(rng: random.Random, document: Document, count: int) -> list[Element]:
    created: list[Element] = []
    items = max(3, count // 80)
    per_item = max(1, (count - items) // items)
    for item_position in range(items):
        item = Element(
            document=document,
            position=item_position,
            kind=ElementKind.AGENDA_ITEM,
            text="[" + _sentence(rng, 12).replace("[", "").replace("]", "") + "]",
        )
        item.save()
        created.append(item)
        sections = max(1, per_item // 16)
        for section_position in range(sections):
            section = Element(
                document=document,
                parent=item,
                position=section_position,
                kind=ElementKind.SECTION,
                text=_sentence(rng, 5),
            )
            section.save()
            created.append(section)
            children = [
                Element(
                    document=document,
                    parent=section,
                    position=position,
                    kind=rng.choice([ElementKind.THEME, ElementKind.THEME, ElementKind.PARAGRAPH]),
                    text=_sentence(rng, rng.randint(8, 30)),
                )
                for position in range(max(1, per_item // sections - 1))
            ]
            created.extend(
                bulk_create_with_history(children, Element, default_change_reason="Generated")
            )
    # Top up the last section to exactly ``count`` elements.
    last_section = next(e for e in reversed(created) if e.kind == ElementKind.SECTION)
    start = Element.objects.filter(parent=last_section).count()
    extra = [
        Element(
            document=document,
            parent=last_section,
            position=start + offset,
            kind=ElementKind.THEME,
            text=_sentence(rng, rng.randint(8, 30)),
        )
        for offset in range(max(0, count - len(created)))
    ]
    created.extend(bulk_create_with_history(extra, Element, default_change_reason="Generated"))
    return created


def _delegates(slug: str) -> list:
    user_model = get_user_model()
    delegations = list(Delegation.objects.order_by("pk"))
    users = [
        user_model(username=f"{slug}-{d.code}", first_name="Delegate", last_name=d.short_name)
        for d in delegations
    ]
    for user in users:
        user.set_unusable_password()
    users = user_model.objects.bulk_create(users)
    group = Group.objects.get(name=roles.DELEGATES)
    group.user_set.add(*users)
    bulk_create_with_history(
        [DelegateProfile(user=u, delegation=d) for u, d in zip(users, delegations, strict=True)],
        DelegateProfile,
        default_change_reason="Generated",
    )
    return list(zip(users, delegations, strict=True))


def _proposals(rng, document, elements, delegates, count, now):
    latest = Revision.objects.filter(document=document).order_by("-number").first()
    round_ = ConsultationRound.objects.create(
        document=document,
        name="Round 1",
        opens_at=now - datetime.timedelta(days=1),
        deadline=now + datetime.timedelta(days=30),
        created_by=delegates[0][0],
    )
    texts = {e.pk: e.text for e in Element.objects.filter(document=document)}
    # Hot elements: a Zipf-like spread, a few elements draw most proposals.
    candidates = [e for e in elements if e.kind != ElementKind.AGENDA_ITEM] or elements
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(candidates))]
    rng.shuffle(weights)
    targets = rng.choices(candidates, weights=weights, k=count)
    batch = []
    for index, element in enumerate(targets):
        user, delegation = delegates[rng.randrange(len(delegates))]
        base = texts[element.pk]
        kind, proposed = (
            _edit(rng, base) if base else (ProposalKind.INSERT_AFTER, _sentence(rng, 10))
        )
        inserting = kind == ProposalKind.INSERT_AFTER
        base_text = "" if inserting else base
        if kind == ProposalKind.COMMENT:
            proposed = base
        batch.append(
            Proposal(
                document=document,
                base_revision=latest,
                round=round_,
                element=element,
                kind=kind,
                new_element_kind=ElementKind.THEME if inserting else "",
                base_text=base_text,
                proposed_text=proposed,
                patch=diff.make_patch(base_text, proposed),
                diff=[[seg.op, seg.text] for seg in diff.word_diff(base_text, proposed)],
                rationale="Generated" if kind != ProposalKind.COMMENT else "A comment",
                author=user,
                delegation=delegation,
                status=ProposalStatus.SUBMITTED,
                idempotency_key=uuid.uuid4(),
                submitted_at=now - datetime.timedelta(seconds=count - index),
            )
        )
    return bulk_create_with_history(
        batch, Proposal, batch_size=1000, default_change_reason="Submitted"
    )


def _marks(rng, proposals, delegates, count, now) -> int:
    seen: set[tuple[int, int]] = set()
    marks: list[ProposalMark] = []
    attempts = 0
    while len(marks) < count and attempts < count * 3 and proposals:
        attempts += 1
        proposal = proposals[rng.randrange(len(proposals))]
        user, delegation = delegates[rng.randrange(len(delegates))]
        key = (proposal.pk, delegation.pk)
        if delegation.pk == proposal.delegation_id or key in seen:
            continue
        seen.add(key)
        marks.append(
            ProposalMark(
                proposal=proposal,
                delegation=delegation,
                stance=MarkStance.SUPPORT if rng.random() < 0.7 else MarkStance.OPPOSE,
                version=proposal.version,  # given to the text as it stands
                author=user,
                updated_at=now,
            )
        )
    bulk_create_with_history(marks, ProposalMark, batch_size=2000, default_change_reason="Marked")
    return len(marks)
