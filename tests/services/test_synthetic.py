"""The large-negotiation generator behind the benchmarks and the load test."""

from collections import Counter

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from drafting.access.roles import ensure_role_groups
from drafting.models import Delegation, Proposal, ProposalMark, Revision
from drafting.seeding.synthetic import generate


def _shape(slug: str) -> list[tuple]:
    """What a generated meeting holds, without its ids (which differ between runs)."""
    return list(
        Proposal.objects.filter(document__meeting__slug=slug)
        .order_by("pk")
        .values_list("kind", "status", "element__position", "base_text", "proposed_text")
    )


def test_a_small_negotiation_is_generated_whole_and_deterministic(bms7):
    first = generate(scale=0.04, seed=7, slug="synth-a")
    generate(scale=0.04, seed=7, slug="synth-b")
    generate(scale=0.04, seed=8, slug="synth-c")

    assert (first.proposals, first.marks, first.revisions) == (200, 800, 10)
    assert Proposal.objects.filter(document__meeting__slug="synth-a").count() == 200
    assert ProposalMark.objects.filter(proposal__document__meeting__slug="synth-a").count() == 800
    assert Revision.objects.filter(document__meeting__slug="synth-a").count() == 10
    assert _shape("synth-a") == _shape("synth-b")
    assert _shape("synth-a") != _shape("synth-c")
    kinds = Counter(kind for kind, *_ in _shape("synth-a"))
    assert {"amend", "insert_after", "delete", "comment"} <= set(kinds)
    # Uneven: the hottest element draws far more than its share.
    per_element = Counter(
        Proposal.objects.filter(document__meeting__slug="synth-a").values_list(
            "element_id", flat=True
        )
    )
    assert max(per_element.values()) >= 4 * (200 / len(per_element))


@pytest.mark.django_db(transaction=True)
def test_the_command_loads_the_delegations_when_the_database_has_none_and_refuses_a_clash():
    # A freshly migrated database: the role groups (a migration's data) and nothing else.
    call_command("flush", interactive=False, verbosity=0)
    ensure_role_groups(Group, Permission)
    assert not Delegation.objects.exists()
    call_command("generate_negotiation", "--scale", "0.02", "--slug", "fresh")
    assert Delegation.objects.count() == 203
    assert Proposal.objects.filter(document__meeting__slug="fresh").count() == 100
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_negotiation", "--scale", "0.02", "--slug", "fresh")
    with pytest.raises(CommandError, match="--scale"):
        call_command("generate_negotiation", "--scale", "0")
