"""Narration for the lessons: each sentence is written in English and in Korean, side by side."""

from __future__ import annotations

import unicodedata

LANGS = ("en", "ko")


class Narrator:
    """``say(en, ko)`` prints the sentence in the lesson's language; ``say.title({...})`` prints a heading."""

    def __init__(self, lang: str = "en"):
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
        self.lang = lang

    def __call__(self, en: str, ko: str) -> None:
        print(ko if self.lang == "ko" else en)

    def title(self, title: dict) -> None:
        text = title[self.lang]
        print(text)
        print("=" * _width(text))

    def section(self, en: str, ko: str) -> None:
        print()
        print("## " + (ko if self.lang == "ko" else en))


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Hangul and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
