"""HTML is written in templates; the little made in Python lives in the rendering package
(`drafting.render`: the Jinja2 hot loops' helpers, the bracket markup, word diffs and the
idempotency field). A string literal holding an HTML tag anywhere else in the app is refused."""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "drafting"
# A tag of an element the pages use, opening or closing: "<span class=...>", "</em>", "<br>".
TAG = re.compile(
    r"</?(a|abbr|b|br|button|code|dd|del|details|div|dl|dt|em|form|h[1-6]|i|img|input|ins|label"
    r"|li|link|main|mark|meta|nav|ol|option|p|pre|script|section|select|small|span|strong|style"
    r"|sub|summary|sup|table|tbody|td|textarea|th|thead|time|tr|ul|wbr)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants of a module, its classes and functions (prose may
    name a tag: "insertions in <ins>")."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def markup_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in ``source`` holding an HTML tag, docstrings aside."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and TAG.search(node.value)
    ]


def test_the_scan_finds_markup_in_literals_and_f_strings_but_not_in_prose():
    source = '''
def f(x):
    """Wrapped in <ins> for insertions."""
    a = '<span class="bracket">{}</span>'
    b = f"<em>{x}</em>"
    c = "a slug (default synth-<scale>)"
    return a, b, c
'''
    assert [line for line, _ in markup_literals(source)] == [4, 5, 5]


def test_no_html_is_made_in_python_outside_the_rendering_package():
    found = {
        f"{path.relative_to(APP)}:{line}": text[:60]
        for path in sorted(APP.rglob("*.py"))
        if "migrations" not in path.parts and path.parent.name != "render"
        for line, text in markup_literals(path.read_text())
    }
    assert found == {}
    # The rendering package is where it is: the scan sees it there.
    assert markup_literals((APP / "render" / "markup.py").read_text())
