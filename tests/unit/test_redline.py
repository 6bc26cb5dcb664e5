"""Redlines between snapshots: inserted, deleted, moved and changed elements, bracket counts."""

from drafting.text.redline import compare
from drafting.text.snapshot import ElementRow, build_tree


def _tree(rows):
    return build_tree(rows)


OLD = [
    ElementRow(1, None, 0, "agenda_item", "[Item one]", "pending"),
    ElementRow(2, 1, 0, "theme", "Alpha theme", "pending"),
    ElementRow(3, 1, 1, "theme", "Beta [theme]", "pending"),
    ElementRow(4, 1, 2, "theme", "Gamma theme", "pending"),
    ElementRow(5, None, 1, "agenda_item", "[Item two]", "pending"),
]


def test_unchanged_documents_give_an_unchanged_redline():
    redline = compare(_tree(OLD), _tree(OLD))
    assert {row.change for row in redline.rows} == {"unchanged"}
    assert redline.moved == 0
    assert redline.old_total == redline.new_total == 3


def test_changes_insertions_deletions_moves_and_statuses():
    new = [
        ElementRow(1, None, 0, "agenda_item", "[Item one]", "pending"),
        ElementRow(4, 1, 0, "theme", "Gamma theme", "pending"),  # moved before 2
        ElementRow(2, 1, 1, "theme", "Alpha [revised] theme", "pending"),
        ElementRow(6, 1, 2, "theme", "Delta theme", "pending"),  # inserted
        ElementRow(5, None, 1, "agenda_item", "Item two", "agreed_ad_ref"),
    ]  # 3 vanished
    redline = compare(_tree(OLD), _tree(new))
    rows = {row.id: row for row in redline.rows}
    assert rows[2].change == "changed"
    assert [(s.op, s.text) for s in rows[2].segments if s.op != "equal"] == [
        ("insert", "[revised] ")
    ]
    assert rows[6].change == "inserted"
    assert rows[3].change == "deleted" and rows[3].segments[0].op == "delete"
    assert rows[4].moved or rows[2].moved
    assert rows[5].status_changed and rows[5].change == "changed"
    order = [row.id for row in redline.rows]
    assert order.index(3) == order.index(2) + 1  # struck, after what it used to follow
    assert [(c.label, c.old, c.new) for c in redline.bracket_counts] == [("1.", 2, 2), ("2.", 1, 0)]


def test_deleted_status_does_not_count_brackets():
    new = [*OLD[:2], ElementRow(3, 1, 1, "theme", "Beta [theme]", "deleted"), *OLD[3:]]
    assert compare(_tree(OLD), _tree(new)).new_total == 2
