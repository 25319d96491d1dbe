"""The report's words: every sentence in English and Russian (the lesson's language), and bilingual labels.

The texts are data, in ``compare/study/text/``: ``en.json`` and ``ru.json`` map a key to a
sentence template, ``labels.json`` a figure label to its two languages. ``t(key, lang,
**values)`` fills a template with numbers the study computed; the templates hold no numbers
of their own except fixed facts of the lesson (the claimed 4-6x, the 90% accuracy bar).
``bi(key)`` is "English / Русский" for figure labels, so one PNG serves both reports.

``quantity(value, "epoch", lang)`` is a number with its noun in the right form: English
"1 epoch", "42.5 epochs"; Russian "1 эпоха", "2 эпохи", "5 эпох", "21 эпоха", "42,5 эпохи"
(the noun forms are ``noun.*`` entries of the texts: "one|few|many" in Russian, "one|other"
in English).
"""

from __future__ import annotations

import json
from pathlib import Path

from compare.study.blocks import num
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


def plural_form(value, lang: str) -> int:
    """Which noun form a number takes: 0, 1 (English: one, other) or 0, 1, 2 (Russian: one, few, many).

    Russian: 1, 21, 101 -> one (эпоха); 2-4, 22-24 -> few (эпохи); 0, 5-20, 25-30, 111-114 -> many
    (эпох); a fraction takes the genitive singular, which is the "few" form (42,5 эпохи).
    """
    value = float(value)
    if check_lang(lang) == "en":
        return 0 if value == 1 else 1
    if not value.is_integer():
        return 1
    n = abs(int(value))
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def noun(name: str, value, lang: str) -> str:
    """The form of noun ``name`` ("epoch", "run", ...) that agrees with ``value``."""
    return t(f"noun.{name}", lang).split("|")[plural_form(value, lang)]


def quantity(value, name: str, lang: str) -> str:
    """``value`` and its noun: "5 epochs", "42,5 эпохи"; None is the bare "—".

    The noun agrees with the number as shown: 138.5 shown to 3 digits is "138", so "138 эпох".
    """
    if value is None:
        return num(None, lang)
    text = num(value, lang)
    shown = text.replace(",", ".").replace("\u00a0", "").replace("−", "-")
    try:
        value = float(shown)
    except ValueError:  # scientific notation in Russian (1,2·10⁵): agree with the value itself
        pass
    return f"{text} {noun(name, value, lang)}"
