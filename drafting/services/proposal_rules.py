"""What a delegation may propose where, and the rules of a proposal's text: the one
validator (:func:`proposal_text_check`) that creating and revising a proposal
(:mod:`drafting.services.proposals`) and the form's live preview share. Reads nothing from
the database but, for an empty bullet filled, its parent (loaded with the element)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from drafting import messages
from drafting.models import INSERT_KINDS, Element, ElementKind, ElementStatus, ProposalKind
from drafting.text import diff, validation
from drafting.text.kinds import HEADINGS

if TYPE_CHECKING:
    from drafting.services.proposals import ProposalContent

# Headings are amended, bracketed or commented on; inserting beside them or deleting them (and
# all below) is the chair's to do.
_HEADING_PROPOSALS = (
    ProposalKind.AMEND,
    ProposalKind.ADD_BRACKETS,
    ProposalKind.REMOVE_BRACKETS,
    ProposalKind.COMMENT,
)
_TEXT_PROPOSALS = (
    ProposalKind.AMEND,
    ProposalKind.INSERT_AFTER,
    ProposalKind.DELETE,
    ProposalKind.ADD_BRACKETS,
    ProposalKind.REMOVE_BRACKETS,
    ProposalKind.COMMENT,
)
# What may follow an element of each kind (a sub-theme after a theme goes inside it:
# ``working_draft.insert_element``).
_INSERTED_AFTER: dict[str, tuple[ElementKind, ...]] = {
    ElementKind.THEME: (ElementKind.THEME, ElementKind.SUBTHEME),
    ElementKind.SUBTHEME: (ElementKind.SUBTHEME,),
    ElementKind.PARAGRAPH: (ElementKind.PARAGRAPH,),
    ElementKind.PREAMBULAR: (ElementKind.PREAMBULAR, ElementKind.PARAGRAPH),
    ElementKind.SUBPARAGRAPH: (ElementKind.SUBPARAGRAPH,),
}
# What fills an empty bullet, by what the bullet sits in (the new element is its sibling).
_FILLED_UNDER: dict[str | None, tuple[ElementKind, ...]] = {
    ElementKind.THEME: (ElementKind.SUBTHEME,),
    ElementKind.SUBTHEME: (ElementKind.SUBTHEME,),
    ElementKind.PARAGRAPH: (ElementKind.SUBPARAGRAPH,),
    ElementKind.SUBPARAGRAPH: (ElementKind.SUBPARAGRAPH,),
    ElementKind.CHAPTER: (ElementKind.PARAGRAPH, ElementKind.PREAMBULAR),
}


def proposal_kinds_for(element: Element) -> tuple[ProposalKind, ...]:
    """What a delegation may propose on this element, the usual first: an empty bullet is
    filled (or commented on); a heading is amended, bracketed or commented on; any other
    element also takes an insertion after it and a deletion."""
    if element.kind == ElementKind.PLACEHOLDER:
        return (ProposalKind.FILL_PLACEHOLDER, ProposalKind.COMMENT)
    if element.kind in HEADINGS:
        return _HEADING_PROPOSALS
    return _TEXT_PROPOSALS


def new_element_kinds_for(element: Element, proposal_kind: str) -> tuple[ElementKind, ...]:
    """The kinds the new element of an insertion may take, the usual first (none for other
    proposals): after a theme a theme or a sub-theme, after a paragraph a paragraph, ...; in
    an empty bullet what its siblings are (a sub-theme under a theme, a theme or paragraph
    under a section). Reads the element's parent for an empty bullet (the selectors load it
    with the element)."""
    if proposal_kind == ProposalKind.INSERT_AFTER:
        return _INSERTED_AFTER.get(element.kind, ())
    if proposal_kind == ProposalKind.FILL_PLACEHOLDER and element.kind == ElementKind.PLACEHOLDER:
        parent = element.parent  # None, without a query, at the top of the document
        parent_kind = parent.kind if parent is not None else None
        return _FILLED_UNDER.get(parent_kind, (ElementKind.THEME, ElementKind.PARAGRAPH))
    return ()


@dataclass(frozen=True)
class ProposalText:
    """The texts a proposal would be stored with, and what is wrong with them (by field)."""

    base_text: str
    proposed_text: str
    problems: dict[str, list[str]]


def proposal_text_check(
    *, element: Element, content: "ProposalContent", base_text: str | None = None
) -> ProposalText:
    """The rules of a proposal's text for its kind and element: the one validator, used when
    a proposal is created or revised and by the form's live preview. ``base_text`` is the
    text the proposal is made against: the element's current text unless given (the preview
    gives the text the delegate started from). Reads nothing from the database but, for an
    empty bullet filled, its parent (loaded with the element by the selectors)."""
    problems: dict[str, list[str]] = {}
    base = element.text if base_text is None else base_text
    kind = content.kind
    proposed = validation.normalise(content.proposed_text)
    if element.status == ElementStatus.DELETED:
        problems["__all__"] = [
            _("This element has been deleted: propose on another element, or insert new language.")
        ]
        return ProposalText(base, proposed, problems)
    if kind not in ProposalKind.values:
        problems["kind"] = [_("Choose what you propose.")]
        return ProposalText(base, proposed, problems)
    if kind not in proposal_kinds_for(element):
        problems["kind"] = [_kind_refusal(element, kind)]
        return ProposalText(base, proposed, problems)
    if kind in INSERT_KINDS:
        base = ""  # new language: all of it is inserted
    if kind == ProposalKind.DELETE:
        proposed = ""
    elif kind == ProposalKind.COMMENT:
        proposed = base
        if not content.rationale.strip():
            problems["rationale"] = [_("Write your comment.")]
    else:
        text_problems = messages.text_problems(validation.check_element_text(proposed))
        if text_problems:
            problems["proposed_text"] = text_problems
        elif kind in INSERT_KINDS:
            allowed = new_element_kinds_for(element, kind)
            if content.new_element_kind not in allowed:
                problems["new_element_kind"] = [
                    _("Choose what the new element is (here: %(kinds)s).")
                    % {"kinds": ", ".join(str(choice.label) for choice in allowed)}
                ]
            if kind == ProposalKind.INSERT_AFTER and proposed == element.text:
                problems["proposed_text"] = [
                    _(
                        "Your new element repeats the text of this one word for word: write "
                        "the language to insert (the current text is shown above the box for "
                        "reference)."
                    )
                ]
        elif proposed == base:
            problems["proposed_text"] = [
                _("Your text is the same as the current text: change it, or choose “comment”.")
            ]
        elif kind == ProposalKind.ADD_BRACKETS and not diff.brackets_added_only(base, proposed):
            problems["proposed_text"] = [
                _("Only add brackets here; to change words, choose “amend the text”.")
            ]
        elif kind == ProposalKind.REMOVE_BRACKETS and not diff.brackets_removed_only(
            base, proposed
        ):
            problems["proposed_text"] = [
                _("Only remove brackets here; to change words, choose “amend the text”.")
            ]
    return ProposalText(base, proposed, problems)


def _kind_refusal(element: Element, kind: str) -> str:
    if kind == ProposalKind.FILL_PLACEHOLDER:
        return _("Only an empty bullet can be filled.")
    if element.kind == ElementKind.PLACEHOLDER:
        return _(
            "An empty bullet has no text to change: choose “fill the empty bullet”, or comment."
        )
    return _(
        "A heading is amended, bracketed or commented on; inserting beside it or deleting it "
        "is for the chair's office."
    )
