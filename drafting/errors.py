"""Domain errors: an illegal move in the workflow. Views turn them into messages or 409s."""


class DomainError(Exception):
    """A workflow step that cannot be taken in the current state."""


class NotAllowed(DomainError):
    """The user's role does not allow this action."""
