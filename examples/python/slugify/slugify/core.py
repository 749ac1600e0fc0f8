"""Slugs: lowercase ASCII words joined by a separator."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, separator: str = "-", max_length: int | None = None) -> str:
    """Lowercase ``text``, drop accents, and join its words with ``separator``.

    With ``max_length``, the slug is cut at a word boundary so that it is at most that long.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NON_WORD.split(ascii_text.lower())
    slug = separator.join(words)
    if max_length is not None and len(slug) > max_length:
        cut = slug[:max_length]
        if separator in cut:
            cut = cut[: cut.rindex(separator)]
        slug = cut
    return slug


def unique_slug(text: str, taken: set[str], separator: str = "-") -> str:
    """A slug of ``text`` that is not in ``taken``, numbered from 2 when needed."""
    base = slugify(text, separator)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}{separator}{n}"
    return slug
