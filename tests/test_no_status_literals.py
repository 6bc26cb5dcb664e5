"""Statuses and kinds are named by their enums, never spelled as strings.

An AST scan of ``drafting/`` for a string constant equal to an enum's value where it stands
for a status or a kind: compared (``==``, ``in``), passed to a status/kind keyword (a field or
a query lookup), assigned to a status/kind attribute, given as a status/kind key's value in a
dict, or as the default of a status/kind parameter. Ordinary words in messages are never in
those places, so they are not flagged.
"""

import ast
import enum
import re
from pathlib import Path

from django.db import models as django_models

from drafting import models
from drafting.text import diff, kinds, redline

DRAFTING = Path(__file__).resolve().parents[1] / "drafting"

# Migrations keep the values they were written with.
ALLOWED = ("migrations/",)


def _enums() -> list[type[enum.Enum]]:
    found: list[type[enum.Enum]] = [kinds.Kind, kinds.Status, redline.Change, diff.Operation]
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, django_models.TextChoices):
            found.append(value)
        if isinstance(value, type) and issubclass(value, django_models.Model):
            found.extend(
                nested
                for nested in vars(value).values()
                if isinstance(nested, type) and issubclass(nested, django_models.TextChoices)
            )
    return found


ENUMS = _enums()
VALUES = {member.value for enum_class in ENUMS for member in enum_class}
# Names of fields, lookups, attributes and keys that hold a status or a kind.
FIELD = re.compile(r"(^|_)(kind|status|stance|action|change)(es|s)?($|__)")


def _literals(node: ast.AST | None) -> list[str]:
    """The enum values spelled as string constants in ``node`` (a constant or a collection)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in VALUES:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [value for element in node.elts for value in _literals(element)]
    if isinstance(node, ast.IfExp):
        return [*_literals(node.body), *_literals(node.orelse)]
    return []


def _is_enum_body(node: ast.ClassDef) -> bool:
    return any(
        (isinstance(base, ast.Attribute) and base.attr in {"TextChoices", "StrEnum"})
        or (isinstance(base, ast.Name) and base.id in {"TextChoices", "StrEnum"})
        for base in node.bases
    )


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


def literals_in(source: str) -> list[tuple[int, str]]:
    """(line, value) for each status or kind spelled as a string in ``source``."""
    tree = ast.parse(source)
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _is_enum_body(node)
        for child in ast.walk(node)
    }
    found: list[tuple[int, str]] = []

    def flag(node: ast.AST, values: list[str]) -> None:
        found.extend((node.lineno, value) for value in values)  # type: ignore[attr-defined]

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                flag(node, _literals(operand))
        elif isinstance(node, ast.keyword) and node.arg and FIELD.search(node.arg):
            flag(node.value, _literals(node.value))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(FIELD.search(_target_name(target)) for target in targets):
                flag(node, _literals(node.value))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and FIELD.search(str(key.value)):
                    flag(value, _literals(value))
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            pairs = list(
                zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True)
            )
            pairs += [
                (arg, default)
                for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True)
            ]
            for arg, default in pairs:
                if default is not None and FIELD.search(arg.arg):
                    flag(default, _literals(default))
    return sorted(found)


def test_no_status_or_kind_literal_outside_the_enums():
    """Every status and kind in drafting/ is written as its enum member (``ProposalStatus.
    SUBMITTED``), so renaming one is a change in one place and mypy sees every use."""
    offenders = []
    for path in sorted(DRAFTING.rglob("*.py")):
        relative = path.relative_to(DRAFTING).as_posix()
        if relative.startswith(ALLOWED):
            continue
        for line, value in literals_in(path.read_text(encoding="utf-8")):
            offenders.append(f"drafting/{relative}:{line}: {value!r}")
    assert not offenders, "statuses or kinds spelled as strings:\n" + "\n".join(offenders)


def test_the_scan_finds_literals_where_they_stand_for_a_status():
    """The scan flags comparisons, lookups, assignments, dict values and defaults, and leaves
    the same words alone in messages and in the enums themselves."""
    source = """
class ProposalStatus(TextChoices):
    SUBMITTED = "submitted", _("submitted")

if proposal.status == "submitted":
    pass
if element["kind"] in ("paragraph", "theme"):
    pass
Proposal.objects.filter(status__in=["accepted", "rejected"])
Element.objects.filter(kind="section")
proposal.status = "withdrawn"
fields = {"status": "pending"}
def build(status="draft"):
    pass
ProposalMark(stance="support" if liked else "oppose")
message = "the proposal was submitted"
raise ValueError("deleted")
label = _("accepted")
"""
    assert literals_in(source) == [
        (5, "submitted"),
        (7, "paragraph"),
        (7, "theme"),
        (9, "accepted"),
        (9, "rejected"),
        (10, "section"),
        (11, "withdrawn"),
        (12, "pending"),
        (13, "draft"),
        (15, "oppose"),
        (15, "support"),
    ]


def test_the_scanned_enums_include_every_kind_and_status():
    names = {enum_class.__qualname__ for enum_class in ENUMS}
    assert names >= {
        "Kind",
        "Status",
        "Change",
        "ElementKind",
        "ElementStatus",
        "ProposalKind",
        "ProposalStatus",
        "MarkStance",
        "InvitationStatus",
        "DelegationKind",
        "AuditAction",
        "ExportJobStatus",
        "FileKind",
        "ElementChangeAction",
        "Operation",
    }


def test_the_models_kinds_and_statuses_are_the_text_cores():
    """The text core names kinds and statuses without Django; the models' TextChoices take
    the same values, in the same order, so a snapshot and the database agree."""
    assert [(member.name, member.value) for member in models.ElementKind] == [
        (member.name, member.value) for member in kinds.Kind
    ]
    assert [(member.name, member.value) for member in models.ElementStatus] == [
        (member.name, member.value) for member in kinds.Status
    ]


# Templates: a status or kind spelled in quotes where it is compared (``== "deleted"``,
# ``"deleted" !=``, ``in ("agenda_item", "chapter")``) or offered (``<option value="pending">``)
# is written as its enum member instead (``ElementStatus.DELETED``; the enums reach every
# template through drafting/render/enums.py), and a list of options is built from the enum's
# choices. What the test treats as form protocol, and leaves alone: the ``value`` of a button
# or an input (``name="action" value="accept"``, ``name="confirm" value="1"``): those are the
# words a view reads from the POST (its own table of actions), not a stored status; and the
# words on the page (labels, CSS classes such as ``"chapter" if ...``).
TEMPLATES = DRAFTING.parent / "templates"
QUOTED = r"""(?P<q>['"])(?P<value>[\w.]+)(?P=q)"""
TEMPLATE_USES = (
    re.compile(r"(?:==|!=)\s*" + QUOTED),
    re.compile(QUOTED + r"\s*(?:==|!=)"),
    re.compile(r"<option\b[^>]*\bvalue=" + QUOTED),
)
# ``in`` followed by a literal tuple or list: each quoted word in it.
TEMPLATE_COLLECTION = re.compile(r"\bin\s*(?:\(|\[)(?P<items>[^)\]]*)(?:\)|\])")
# Words that are also an enum's value but name something else there, passed by the view:
# the comparison page's "to" value for the working draft
# (``drafting.views.compare.WORKING_DRAFT``), the navigation's current page, and why an
# invitation's link cannot be used.
TEMPLATE_PROTOCOL = {
    ("drafting/_compare_page_body.html", "draft"),
    ("drafting/_meeting_nav.html", "draft"),
    ("drafting/_meeting_nav.html", "compilation"),
    ("registration/invitation_unusable.html", "accepted"),
    ("registration/invitation_unusable.html", "signed_in"),
}


def template_literals_in(source: str) -> list[tuple[int, str]]:
    """(line, value) for each status or kind spelled in quotes in a template's comparison or
    option value."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        values = [m["value"] for pattern in TEMPLATE_USES for m in pattern.finditer(line)]
        for collection in TEMPLATE_COLLECTION.finditer(line):
            values += [m["value"] for m in re.finditer(QUOTED, collection["items"])]
        found += [(number, value) for value in values if value in VALUES]
    return sorted(found)


def test_no_status_or_kind_literal_in_the_templates():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        for line, value in template_literals_in(path.read_text(encoding="utf-8")):
            if (relative, value) not in TEMPLATE_PROTOCOL:
                offenders.append(f"templates/{relative}:{line}: {value!r}")
    assert not offenders, "statuses or kinds spelled in templates:\n" + "\n".join(offenders)


def test_the_template_scan_finds_comparisons_and_options_not_form_protocol():
    source = """\
{% if element.status == "deleted" %}{% endif %}
{% if kind in ("agenda_item", "chapter") %}<section class="{{ "chapter" if kind == x }}">
{% if 'withdrawn' != proposal.status %}{% elif job.kind == 'revision.docx' %}{% endif %}
<option value="pending"{% if element.status == value %} selected{% endif %}>pending</option>
{% if group.stance in ['can_accept'] %}{% endif %}
<button type="submit" name="action" value="accept">Accept</button>
<input type="hidden" name="status" value="deleted"> {{ words.statuses[proposal.status] }}
{% if element.status == ElementStatus.DELETED %}deleted{% endif %}
{% if step == "close" %}{% endif %}
"""
    assert template_literals_in(source) == [
        (1, "deleted"),
        (2, "agenda_item"),
        (2, "chapter"),
        (3, "revision.docx"),
        (3, "withdrawn"),
        (4, "pending"),
        (5, "can_accept"),
    ]
