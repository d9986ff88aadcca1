"""Message catalogues: every word a card shows, in Dutch and English.

A language's catalogue is `cards/messages/<lang>.json` merged with `cards/messages/*/<lang>.json` (one
folder per guideline or feature, so parallel work does not share one file); a region's overrides
(`<lang>-<REGION>.json`, e.g. `nl-BE.json` for a Belgian guideline) are laid over it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

_DIR = Path(__file__).with_name("messages")
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


class Catalogue:
    """One language's texts; `text` raises KeyError for a key the catalogue lacks (tests catch it)."""

    def __init__(self, lang: str, texts: dict[str, str]) -> None:
        self.lang = lang
        self._texts = texts

    def __contains__(self, key: str) -> bool:
        return key in self._texts

    def keys(self) -> frozenset[str]:
        return frozenset(self._texts)

    def template(self, key: str) -> str:
        return self._texts[key]

    def text(self, key: str, params: Iterable[tuple[str, object]] = ()) -> str:
        return self._texts[key].format_map({name: self.value(v) for name, v in params})

    def value(self, v: object) -> str:
        """A parameter as text: enum-like codes via `value.<code>`, dates and numbers in the language's notation,
        lists joined."""
        if isinstance(v, (tuple, list)):
            return ", ".join(self.value(x) for x in v)
        if isinstance(v, date):
            return self.localise(v.isoformat())
        if isinstance(v, float):
            return self.localise(f"{v:g}")
        if isinstance(v, str):
            return self._texts.get(f"value.{v}", v)
        return str(v)

    def localise(self, text: str) -> str:
        """ISO dates and decimal points written by the pathways in this language's notation (Dutch: dd-mm-jjjj and a
        decimal comma; English keeps them)."""
        if self.lang != "nl":
            return text
        return _DECIMAL_POINT.sub(",", _ISO_DATE.sub(lambda m: f"{m[3]}-{m[2]}-{m[1]}", text))


def _texts(stem: str) -> dict[str, str]:
    """`<stem>.json` at the top and in every sub-folder, merged; a key defined twice is an error."""
    merged: dict[str, str] = {}
    for path in sorted([*_DIR.glob(f"{stem}.json"), *_DIR.glob(f"*/{stem}.json")]):
        with path.open(encoding="utf-8") as fh:
            texts = json.load(fh)
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"{path}: keys defined twice: {sorted(twice)[:5]}")
        merged.update(texts)
    return merged


@cache
def catalogue(lang: str | None, region: str | None = None) -> Catalogue:
    """The catalogue for `lang` ("nl", "en", or a tag like "en-GB"; Dutch when unknown), with the
    overrides of `region` (e.g. "BE") laid over it where that region has any."""
    base = (lang or DEFAULT_LANGUAGE).split("-")[0].lower()
    code = base if base in LANGUAGES else DEFAULT_LANGUAGE
    texts = _texts(code)
    if region:
        texts = {**texts, **_texts(f"{code}-{region.upper()}")}
    return Catalogue(code, texts)
