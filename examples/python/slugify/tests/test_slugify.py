import pytest

from slugify import slugify, unique_slug


def test_lowercases_and_joins_words():
    assert slugify("Hello World") == "hello-world"


def test_strips_punctuation():
    assert slugify("Hello, World! How are you?") == "hello-world-how-are-you"


def test_drops_accents():
    assert slugify("Crème brûlée à Paris") == "creme-brulee-a-paris"


def test_custom_separator():
    assert slugify("a b c", separator="_") == "a_b_c"


@pytest.mark.parametrize("text,expected", [("  spaced   out  ", "spaced-out"), ("---", ""), ("", "")])
def test_edges(text, expected):
    assert slugify(text) == expected


def test_max_length_cuts_at_word_boundary():
    assert slugify("the quick brown fox", max_length=12) == "the-quick"


def test_max_length_keeps_short_slugs():
    assert slugify("short", max_length=10) == "short"


class TestUnique:
    def test_free_slug_is_kept(self):
        assert unique_slug("Hello", set()) == "hello"

    def test_taken_slug_gets_a_number(self):
        assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"
