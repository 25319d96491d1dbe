"""The report's words: every sentence in English and Russian (the lesson's language), and bilingual labels.

The texts are data, in ``compare/study/text/``: ``en.json`` and ``ru.json`` map a key to a
sentence template, ``labels.json`` a figure label to its two languages. ``t(key, lang,
**values)`` fills a template with numbers the study computed; the templates hold no numbers
of their own except fixed facts of the lesson (the claimed 4-6x, the 90% accuracy bar).
``bi(key)`` is "English / Русский" for figure labels, so one PNG serves both reports.
"""

from __future__ import annotations

import json
from pathlib import Path

from handmade.contract.errors import InvalidInput

LANGS = ("en", "ru")
_TEXT_DIR = Path(__file__).with_name("text")


def _load(name: str) -> dict:
    return json.loads((_TEXT_DIR / name).read_text(encoding="utf-8"))


TEXT: dict[str, dict[str, str]] = {}  # key -> {lang: template}
for _lang in LANGS:
    for _key, _template in _load(f"{_lang}.json").items():
        TEXT.setdefault(_key, {})[_lang] = _template
LABELS: dict[str, tuple[str, str]] = {key: tuple(pair) for key, pair in _load("labels.json").items()}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; supported languages are: {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **values) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return TEXT[key][check_lang(lang)].format(**values)


def bi(key: str) -> str:
    """A bilingual figure label: "Loss (MSE) / Потери (MSE)"."""
    en, ru = LABELS[key]
    return en if en == ru else f"{en} / {ru}"
