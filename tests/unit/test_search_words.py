"""The text core's search words: terms of a query, matching without a search engine,
snippets with highlights, and places in words (plain Python)."""

from hypothesis import given
from hypothesis import strategies as st

from drafting.text import search
from drafting.text.places import opening_words, places


def test_terms_are_stems_without_syntax():
    assert search.terms('"small arms" OR weapons -ammunition') == ["small", "arm", "weapon"]
    assert search.excluded("weapons -ammunition") == ["ammunition"]
    assert search.terms("Côte d'Ivoire") == ["cote", "d", "ivoire"]


def test_terms_are_bounded():
    assert len(search.terms(" ".join(f"word{i}" for i in range(100)))) == search.MAX_TERMS
    assert search.terms("x" * 10_000) == ["x" * search.MAX_QUERY_LENGTH]


def test_matches_every_word_by_stem_and_none_excluded():
    text = "States should mark small arms and light weapons at manufacture."
    assert search.matches(text, search.terms("weapon marking"))
    assert not search.matches(text, search.terms("weapon ammunition"))
    assert not search.matches(text, search.terms("weapon"), search.excluded("-mark"))


def test_snippet_marks_the_words_found_and_keeps_the_rest():
    text = "States should mark small arms and light weapons at manufacture."
    segments = search.snippet(text, search.terms("weapons"))
    assert "".join(segment.text for segment in segments) == text
    assert [segment.text for segment in segments if segment.found] == ["weapons"]


def test_a_long_text_is_cut_around_the_first_word_found():
    text = " ".join(f"w{i}" for i in range(500)) + " needle " + " ".join("x" * 3 for _ in range(9))
    segments = search.snippet(text, ["needle"], words=20)
    joined = "".join(segment.text for segment in segments)
    assert joined.startswith("… ") and "needle" in joined
    assert len(joined.split()) <= 23


@given(st.text(max_size=300), st.lists(st.text(min_size=1, max_size=8), max_size=4))
def test_a_snippet_is_the_text_in_order_with_only_wanted_words_marked(text, query_words):
    wanted = search.terms(" ".join(query_words))
    segments = search.snippet(text, wanted, words=15)
    joined = "".join(segment.text for segment in segments)
    inner = joined.removeprefix("… ").removesuffix(" …")
    assert inner in text
    for segment in segments:
        if segment.found:
            assert search.stem(segment.text) in wanted


def _element(id_, kind, label, text, children=()):
    return {
        "id": id_,
        "kind": kind,
        "label": label,
        "text": text,
        "status": "pending",
        "footnotes": [],
        "children": list(children),
    }


def test_places_name_agenda_item_section_label_and_opening_words():
    tree = [
        _element(
            1,
            "agenda_item",
            "2.",
            "Preventing diversion",
            [
                _element(
                    2,
                    "section",
                    "B",
                    "Marking",
                    [_element(3, "theme", "-", "one two three four five six seven eight nine")],
                )
            ],
        )
    ]
    found = places(tree)
    assert found[3].agenda_item_id == 1 and found[3].agenda_item_label == "2."
    assert found[3].section_label == "B" and found[3].label == "-"
    assert found[3].opening == "one two three four five six seven eight …"
    assert found[2].section_label == "" and found[2].agenda_item_label == "2."
    assert found[1].agenda_item_id == 1


def test_opening_words_of_a_short_text_are_the_text():
    assert opening_words("  Small   arms ") == "Small arms"


def test_places_in_chapters_name_the_chapter_and_the_paragraph_of_a_sub_paragraph():
    tree = [
        _element(
            1,
            "chapter",
            "II.",
            "Measures",
            [
                _element(
                    2, "paragraph", "3.", "Decides", [_element(3, "subparagraph", "(a)", "To act")]
                )
            ],
        )
    ]
    found = places(tree)
    assert found[3].chapter_label == "II." and found[3].paragraph_label == "3."
    assert found[2].chapter_label == "II." and found[2].paragraph_label == ""
    assert found[1].chapter_label == ""
