"""Domain errors: an illegal move in the workflow. Views turn them into messages or 409s."""

from typing import Any


class DomainError(Exception):
    """A workflow step that cannot be taken in the current state."""


class NotAllowed(DomainError):
    """The user's role does not allow this action."""


class ProposalInvalid(DomainError):
    """The proposal's content is not acceptable; ``problems`` maps form fields to messages."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in problems.values() for m in messages))
        self.problems = problems


class BaseTextMoved(DomainError):
    """The element's text changed since the delegate started from it.

    ``current_text`` is the text now; ``rebased_text`` is the delegate's change re-applied to
    it, or None where the change no longer applies.
    """

    def __init__(self, current_text: str, rebased_text: str | None):
        super().__init__("The text changed since you started from it.")
        self.current_text = current_text
        self.rebased_text = rebased_text


class StaleVersion(DomainError):
    """Someone else saved the proposal since this user opened it."""


class DeadlinePassed(DomainError):
    """The consultation round's deadline has passed (or no round is open)."""

    proposal: Any  # from proposal_create: the draft it saved instead of submitting


class MergeConflict(DomainError):
    """Proposals cannot be applied as they stand; a person must write the text.

    ``element`` is the element, ``current_text`` its text now, and ``attempts`` a list of
    (proposal, text after applying it or None when it did not apply). ``overlap``, when two
    proposals change the same words, is those words (then each attempt is the proposal
    applied alone to the current text).
    """

    def __init__(self, message: str, *, element, current_text: str, attempts, overlap=None):
        super().__init__(message)
        self.element = element
        self.current_text = current_text
        self.attempts = attempts
        self.overlap = overlap


class FormAlreadyUsed(DomainError):
    """The form's idempotency key already made ``proposal``, and this request asks for
    something else with it (other text, another kind...): it is refused, and the proposal is
    left as it is. A true retry (the same content) is not an error: it returns the proposal.
    """

    def __init__(self, message: str, *, proposal):
        super().__init__(message)
        self.proposal = proposal


class AlreadyDone(DomainError):
    """The same request (same form, same idempotency key, same content) was carried out
    before: a retry after a dropped connection or a resent form. Nothing is done twice;
    ``result`` is what the first request recorded (e.g. the number of the revision issued).
    """

    def __init__(self, message: str, *, action: str, result: str):
        super().__init__(message)
        self.action = action
        self.result = result
