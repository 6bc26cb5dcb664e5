"""A small indented outline format for loading a document's text, e.g. a zero draft.

One element a line, ``kind: text``, children indented by two spaces under their parent.
``footnote: text`` attaches a footnote to the element above it (at the footnote's own
indentation minus one level). ``section~:`` is a section without a letter ("The Way Forward").
Lines starting with ``#`` and blank lines are ignored.
"""

from dataclasses import dataclass, field

from drafting.text.kinds import Kind

INDENT = "  "


class OutlineError(ValueError):
    """A line of the outline that cannot be read; the message names the line."""


@dataclass
class OutlineElement:
    kind: Kind
    text: str
    unnumbered: bool = False
    footnotes: list[str] = field(default_factory=list)
    children: list["OutlineElement"] = field(default_factory=list)


def parse_outline(source: str) -> list[OutlineElement]:
    """Parse the outline into a forest of elements, in document order."""
    roots: list[OutlineElement] = []
    # stack[level] is the last element seen at that indentation level
    stack: list[OutlineElement] = []
    for line_number, raw_line in enumerate(source.splitlines(), start=1):
        if not raw_line.strip() or raw_line.lstrip().startswith("#"):
            continue
        stripped = raw_line.lstrip(" ")
        indent = len(raw_line) - len(stripped)
        if indent % len(INDENT):
            raise OutlineError(f"line {line_number}: indent by multiples of two spaces")
        level = indent // len(INDENT)
        kind, separator, text = stripped.partition(":")
        if not separator:
            raise OutlineError(f"line {line_number}: expected 'kind: text'")
        text = text.strip()
        if kind == "footnote":
            if level == 0 or level > len(stack):
                raise OutlineError(f"line {line_number}: a footnote must follow an element")
            stack[level - 1].footnotes.append(text)
            continue
        unnumbered = kind.endswith("~")
        kind = kind.rstrip("~")
        if kind not in Kind:
            raise OutlineError(f"line {line_number}: unknown kind {kind!r}")
        if kind == Kind.PLACEHOLDER and text:
            raise OutlineError(f"line {line_number}: a placeholder has no text")
        if level > len(stack):
            raise OutlineError(f"line {line_number}: indented too deep")
        element = OutlineElement(kind=Kind(kind), text=text, unnumbered=unnumbered)
        if level == 0:
            roots.append(element)
        else:
            stack[level - 1].children.append(element)
        del stack[level:]
        stack.append(element)
    return roots
