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


def test_an_element_deleted_since_is_a_deleted_row_with_its_children_and_counted():
    """Regression: a theme the chair deleted stayed an unchanged-or-changed row (struck by
    its status) and the summary said "0 deleted". Now it is a deleted row, struck, counted,
    and so is everything under a deleted agenda item."""
    new = [
        ElementRow(1, None, 0, "agenda_item", "[Item one]", "deleted"),
        *OLD[1:4],
        ElementRow(5, None, 1, "agenda_item", "[Item two]", "pending"),
    ]
    redline = compare(_tree(OLD), _tree(new))
    rows = {row.id: row for row in redline.rows}
    assert [rows[i].change for i in (1, 2, 3, 4)] == ["deleted"] * 4
    assert rows[2].segments[0].op == "delete" and rows[5].change == "unchanged"
    assert (redline.count_deleted, redline.count_changed, redline.new_total) == (4, 0, 1)
    assert rows[1].old_label == "1." and rows[5].label == "2."  # numbered again at issue


def test_an_element_deleted_before_the_older_snapshot_is_not_shown_at_all():
    old = [*OLD[:2], ElementRow(3, 1, 1, "theme", "Beta [theme]", "deleted"), *OLD[3:]]
    redline = compare(_tree(old), _tree(old))
    assert 3 not in {row.id for row in redline.rows} and redline.count_deleted == 0


def test_status_changes_and_the_changed_rows_with_their_context():
    new = [*OLD[:3], ElementRow(4, 1, 2, "theme", "Gamma theme", "agreed_ad_ref"), *OLD[4:]]
    redline = compare(_tree(OLD), _tree(new))
    (row,) = redline.changed_rows
    assert (row.id, row.old_status, row.status, row.status_changed) == (
        4,
        "pending",
        "agreed_ad_ref",
        True,
    )
    assert row.context == ("1.",)


def test_context_names_an_unnumbered_heading_or_a_bulleted_theme_by_its_first_words():
    rows = [
        ElementRow(1, None, 0, "agenda_item", "Item", "pending"),
        ElementRow(2, 1, 0, "section", "The Way Forward for all of us", "pending", unnumbered=True),
        ElementRow(3, 2, 0, "theme", "Old", "pending"),
    ]
    rows.append(ElementRow(4, 3, 0, "subtheme", "Under it", "pending"))
    changed = [*rows[:2], ElementRow(3, 2, 0, "theme", "New", "pending"), rows[3]]
    (row,) = compare(_tree(rows), _tree(changed)).changed_rows
    assert row.context == ("1.", "The Way Forward for all …")
    changed[3] = ElementRow(4, 3, 0, "subtheme", "Under it, changed", "pending")
    (_theme, row) = compare(_tree(rows), _tree(changed)).changed_rows
    assert row.context == ("1.", "The Way Forward for all …", "New")
