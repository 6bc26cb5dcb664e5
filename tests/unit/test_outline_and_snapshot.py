import pytest

from drafting.text.outline import OutlineError, parse_outline
from drafting.text.snapshot import (
    ElementRow,
    bracket_count,
    build_tree,
    content_hash,
    footnote_numbering,
    iter_elements,
)


def test_outline_nests_children_and_attaches_footnotes():
    forest = parse_outline(
        "# comment\n"
        "agenda_item: [Item]\n"
        "  footnote: Based on a letter.\n"
        "  section: National\n"
        "    theme: A theme\n"
        "      subtheme: A sub-theme\n"
        "    placeholder:\n"
        "  section~: The Way Forward\n"
    )
    assert len(forest) == 1
    item = forest[0]
    assert item.footnotes == ["Based on a letter."]
    assert [c.kind for c in item.children] == ["section", "section"]
    assert item.children[1].unnumbered is True
    assert item.children[0].children[0].children[0].text == "A sub-theme"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("annex: x", "unknown kind"),
        ("theme: a\n      theme: b", "indented too deep"),
        ("placeholder: text", "no text"),
        ("footnote: orphan", "must follow"),
        (" theme: odd", "multiples of two"),
        ("theme without colon", "expected 'kind: text'"),
    ],
)
def test_outline_errors_name_the_line(source, message):
    with pytest.raises(OutlineError, match=message):
        parse_outline(source)


def _rows():
    return [
        ElementRow(3, 1, 1, "section", "The Way Forward", "pending", unnumbered=True),
        ElementRow(1, None, 0, "agenda_item", "[Item one]", "pending", footnotes=("fn a",)),
        ElementRow(2, 1, 0, "theme", "[A] and [B]", "pending", footnotes=("fn b",)),
        ElementRow(4, None, 1, "agenda_item", "[Item two]", "deleted", footnotes=("fn c",)),
    ]


def test_tree_is_ordered_by_position_with_labels():
    tree = build_tree(_rows())
    assert [(e["id"], e["label"], d) for e, d in iter_elements(tree)] == [
        (1, "1.", 0),
        (2, "-", 1),
        (3, "", 1),
        (4, "2.", 0),
    ]


def test_footnote_numbers_follow_reading_order():
    assert footnote_numbering(build_tree(_rows())) == {1: [1], 2: [2], 3: [], 4: [3]}


def test_bracket_count_skips_deleted_elements():
    assert bracket_count(build_tree(_rows())) == 3


def test_content_hash_is_stable_and_sensitive():
    tree = build_tree(_rows())
    assert content_hash(tree) == content_hash(build_tree(list(reversed(_rows()))))
    changed = build_tree([*_rows()[:2], ElementRow(2, 1, 0, "theme", "[A] and B", "pending")])
    assert content_hash(tree) != content_hash(changed)
    assert len(content_hash(tree)) == 64


def test_a_clean_tree_leaves_deleted_elements_out_and_numbers_the_rest_again():
    """A revision as published: a deleted element goes with its children and footnotes, and
    the numbering skips it (UN practice: the rest renumber at the revision). A tree without
    deleted elements keeps its labels."""
    from drafting.text.snapshot import clean_tree, footnote_numbering

    rows = [
        ElementRow(1, None, 0, "agenda_item", "One", "pending", footnotes=("n1",)),
        ElementRow(2, None, 1, "agenda_item", "Two", "deleted", footnotes=("n2",)),
        ElementRow(3, 2, 0, "section", "Under two", "pending"),
        ElementRow(4, 3, 0, "theme", "Theme under two", "pending"),
        ElementRow(5, None, 2, "agenda_item", "Three", "pending", footnotes=("n3",)),
        ElementRow(6, 5, 0, "section", "a", "deleted"),
        ElementRow(7, 5, 1, "section", "b", "pending"),
        ElementRow(8, 7, 0, "theme", "kept", "pending"),
        ElementRow(9, 7, 1, "theme", "gone", "deleted"),
    ]
    tree = build_tree(rows)
    assert [e["label"] for e in tree] == ["1.", "2.", "3."]  # the working draft as built
    clean = clean_tree(tree)
    seen = [(e["id"], e["label"]) for e, _depth in iter_elements(clean)]
    assert seen == [(1, "1."), (5, "2."), (7, "a)"), (8, "-")]
    assert footnote_numbering(clean) == {1: [1], 5: [2], 7: [], 8: []}
    assert all(e["status"] != "deleted" for e, _depth in iter_elements(clean))
    assert clean_tree(clean) == clean
