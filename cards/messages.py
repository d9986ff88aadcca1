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

from pathways.recommendation import Num, Unit

_DIR = Path(__file__).with_name("messages")
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


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

    def fill(self, template: str, params: Iterable[tuple[str, object]] = ()) -> str:
        """A language-neutral template (pathways.evidence): `{name}` a parameter, any other `{code}` a coded word
        (whose own wording may use the same parameters, e.g. "yes ({count} of grade >= {grade})")."""
        values = dict(params)

        def word(m: re.Match) -> str:
            name = m.group(1)
            if name in values:
                return self.value(values[name])
            return self.text(f"value.{name}", values.items()) if f"value.{name}" in self._texts else name

        return _PLACEHOLDER.sub(word, template)

    def value(self, v: object) -> str:
        """A parameter as this language writes it: codes via `value.<code>`, dates dd-mm-yyyy (nl) or
        d Mon yyyy (en), numbers with the language's decimal mark, UCUM units worded, lists joined."""
        if isinstance(v, (tuple, list)):
            return ", ".join(self.value(x) for x in v)
        if isinstance(v, date):
            return v.strftime("%d-%m-%Y") if self.lang == "nl" else f"{v.day} {v.strftime('%b %Y')}"
        if isinstance(v, Num):
            text = f"{v.value:+.{v.digits}f}" if v.signed and v.value > 0 else f"{v.value:.{v.digits}f}"
            return self.number(text)
        if isinstance(v, float):
            return self.number(f"{v:.2f}".rstrip("0").rstrip("."))
        if isinstance(v, Unit):
            return self._texts.get(f"unit.{v.code}", _ANNOTATION.sub("", v.code))
        if isinstance(v, str):
            return self._texts.get(f"value.{v}", v)
        return str(v)

    def number(self, text: str) -> str:
        return text.replace(".", ",") if self.lang == "nl" else text


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
_ANNOTATION = re.compile(r"\{[^}]*\}")


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


def capitalised(text: str) -> str:
    """The first letter upper case, unless the first word is written with capitals inside it (eGFR, pH)."""
    word = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in word[1:]) else text[:1].upper() + text[1:]
