"""What an element is and where it stands: the text core's own names for them. Plain Python.

The models' ``ElementKind`` and ``ElementStatus`` (TextChoices) take their values from these,
so a snapshot, the database and the text core spell them the same way. Members are strings
(``StrEnum``): a snapshot read back from JSON holds the plain strings, which compare and hash
equal to the members, so compare with ``==`` and ``in``, never ``is``.
"""

from enum import StrEnum


class Kind(StrEnum):
    """An element's kind; its label follows from it (see :mod:`numbering`)."""

    AGENDA_ITEM = "agenda_item"
    SECTION = "section"
    THEME = "theme"
    SUBTHEME = "subtheme"
    PARAGRAPH = "paragraph"
    PLACEHOLDER = "placeholder"
    # The structures of a resolution-style text: roman-numbered chapters, preambular
    # paragraphs (unnumbered, as the UN prints them), operative paragraphs (PARAGRAPH, "1.",
    # "2.") and their sub-paragraphs: "(a)" under a paragraph, "(i)" under an "(a)", "(A)"
    # deeper down.
    CHAPTER = "chapter"
    PREAMBULAR = "preambular"
    SUBPARAGRAPH = "subparagraph"


# The kinds whose text is a heading: amended or bracketed, never agreed ad referendum on its
# own, and shown above what it heads (the compilation, the Word file).
HEADINGS = frozenset({Kind.AGENDA_ITEM, Kind.SECTION, Kind.CHAPTER})


class Status(StrEnum):
    """An element's standing in the negotiation."""

    PENDING = "pending"
    AGREED = "agreed_ad_ref"
    # Struck through in the working draft until the next revision, which leaves it out.
    DELETED = "deleted"
