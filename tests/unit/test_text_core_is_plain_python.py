import ast
from pathlib import Path

import pytest

TEXT_CORE = sorted((Path(__file__).resolve().parents[2] / "drafting" / "text").glob("*.py"))


@pytest.mark.parametrize("module", TEXT_CORE, ids=lambda p: p.name)
def test_text_core_imports_no_django(module):
    """The text core is plain Python: no Django import, so it is tested without a database."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {name for name in imported if name.split(".")[0] == "django"}


def test_text_core_modules_exist():
    assert {p.name for p in TEXT_CORE} >= {"brackets.py", "numbering.py", "snapshot.py"}
