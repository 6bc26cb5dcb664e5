import pytest

from drafting.text.numbering import OutlineNode, footnote_numbers, label_tree, letter, roman


@pytest.mark.parametrize(
    ("index", "expected"), [(0, "a"), (4, "e"), (25, "z"), (26, "aa"), (27, "bb"), (52, "aaa")]
)
def test_letters_go_past_the_alphabet_the_un_way(index, expected):
    assert letter(index) == expected


def test_negative_letter_index_is_refused():
    with pytest.raises(ValueError, match="index must be"):
        letter(-1)


def _bms7_like_outline():
    return [
        OutlineNode(
            "i1",
            "agenda_item",
            footnote_keys=["f1"],
            children=[
                OutlineNode("a", "section", children=[OutlineNode("p1", "placeholder")]),
                OutlineNode(
                    "b",
                    "section",
                    children=[
                        OutlineNode(
                            "t1",
                            "theme",
                            children=[
                                OutlineNode("s1", "subtheme"),
                                OutlineNode("p2", "placeholder"),
                            ],
                        ),
                        OutlineNode("p3", "placeholder"),
                    ],
                ),
                OutlineNode(
                    "wf", "section", unnumbered=True, children=[OutlineNode("p4", "placeholder")]
                ),
                OutlineNode("c", "section"),
            ],
        ),
        OutlineNode(
            "i2",
            "agenda_item",
            footnote_keys=["f2", "f3"],
            children=[
                OutlineNode("t2", "theme"),
                OutlineNode("para1", "paragraph"),
                OutlineNode("para2", "paragraph"),
            ],
        ),
    ]


def test_labels_come_from_position():
    """Agenda items are numbered, sections lettered (skipping unnumbered), bullets by level."""
    labels = label_tree(_bms7_like_outline())
    assert labels == {
        "i1": "1.",
        "a": "a)",
        "p1": "-",
        "b": "b)",
        "t1": "-",
        "s1": "o",
        "p2": "o",
        "p3": "-",
        "wf": "",
        "p4": "-",
        "c": "c)",
        "i2": "2.",
        "t2": "-",
        "para1": "1.",
        "para2": "2.",
    }


def test_inserting_an_agenda_item_renumbers_the_ones_after_it():
    outline = _bms7_like_outline()
    outline.insert(1, OutlineNode("new", "agenda_item"))
    labels = label_tree(outline)
    assert (labels["i1"], labels["new"], labels["i2"]) == ("1.", "2.", "3.")


def test_footnotes_are_numbered_through_the_document_in_reading_order():
    outline = _bms7_like_outline()
    outline[0].children[1].footnote_keys = ["fb"]
    assert footnote_numbers(outline) == {"f1": 1, "fb": 2, "f2": 3, "f3": 4}


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown element kind"):
        label_tree([OutlineNode("x", "annex")])


def test_insertions_since_the_last_revision_are_numbered_bis_ter():
    """'2 bis' until the next revision renumbers; later items keep their numbers."""
    outline = [
        OutlineNode(
            "i1",
            "agenda_item",
            children=[
                OutlineNode("a", "section"),
                OutlineNode("a2", "section", provisional=True),
                OutlineNode("b", "section"),
            ],
        ),
        OutlineNode("i2", "agenda_item"),
        OutlineNode("i2b", "agenda_item", provisional=True),
        OutlineNode("i2t", "agenda_item", provisional=True),
        OutlineNode(
            "i3",
            "agenda_item",
            children=[
                OutlineNode("p1", "paragraph"),
                OutlineNode("p1b", "paragraph", provisional=True),
            ],
        ),
    ]
    labels = label_tree(outline)
    assert [labels[k] for k in ("i1", "i2", "i2b", "i2t", "i3")] == [
        "1.",
        "2.",
        "2 bis.",
        "2 ter.",
        "3.",
    ]
    assert [labels[k] for k in ("a", "a2", "b")] == ["a)", "a bis)", "b)"]
    assert [labels[k] for k in ("p1", "p1b")] == ["1.", "1 bis."]
    for node in outline:
        node.provisional = False
    assert label_tree(outline)["i3"] == "5."


def test_chapters_preambular_paragraphs_and_sub_paragraphs():
    """Chapters I., II.; preambular paragraphs unnumbered; operative paragraphs 1., 2. through
    the document; sub-paragraphs (a) under a paragraph, (i) under an (a), (A) under an (i),
    each counted within its parent; a provisional one is "(a bis)"."""
    tree = [
        OutlineNode("I", "chapter", children=[OutlineNode("pp", "preambular")]),
        OutlineNode(
            "II",
            "chapter",
            children=[
                OutlineNode(
                    "op1",
                    "paragraph",
                    children=[
                        OutlineNode(
                            "a",
                            "subparagraph",
                            children=[
                                OutlineNode("i", "subparagraph"),
                                OutlineNode(
                                    "ii",
                                    "subparagraph",
                                    children=[OutlineNode("A", "subparagraph")],
                                ),
                            ],
                        ),
                        OutlineNode("a-bis", "subparagraph", provisional=True),
                        OutlineNode("b", "subparagraph"),
                    ],
                ),
                OutlineNode("op2", "paragraph", children=[OutlineNode("a2", "subparagraph")]),
            ],
        ),
    ]
    assert label_tree(tree) == {
        "I": "I.",
        "pp": "",
        "II": "II.",
        "op1": "1.",
        "a": "(a)",
        "i": "(i)",
        "ii": "(ii)",
        "A": "(A)",
        "a-bis": "(a bis)",
        "b": "(b)",
        "op2": "2.",
        "a2": "(a)",
    }


def test_roman_numerals():
    assert [roman(n) for n in (1, 4, 9, 14, 40, 1999)] == ["i", "iv", "ix", "xiv", "xl", "mcmxcix"]
