"""The report's words: every sentence in English and Russian (the lesson's language), and bilingual labels.

The texts are data, in ``compare/study/text/``: ``en.json`` and ``ru.json`` map a key to a
sentence template, ``labels.json`` a figure label to its two languages. ``t(key, lang,
**values)`` fills a template with numbers the study computed; the templates hold no numbers
of their own except fixed facts of the lesson (the claimed 4-6x, the 90% accuracy bar).
``bi(key)`` is "English / Русский" for figure labels, so one PNG serves both reports.

``quantity(value, "epoch", lang)`` is a number with its noun in the right form: English
"1 epoch", "42.5 epochs"; Russian "1 эпоха", "2 эпохи", "5 эпох", "21 эпоха", "42,5 эпохи"
(the noun forms are ``noun.*`` entries of the texts: "one|few|many" in Russian, "one|other"
in English). The machinery is shared with ``mlp-parity check`` (``compare.language``).
"""

from __future__ import annotations

import json
from pathlib import Path

from compare.language.catalogue import LANGS, Catalogue, check_lang, plural_form

__all__ = ["LABELS", "LANGS", "TEXT", "bi", "check_lang", "noun", "plural_form", "quantity", "t"]

_TEXT_DIR = Path(__file__).with_name("text")
CATALOGUE = Catalogue(_TEXT_DIR)
TEXT: dict[str, dict[str, str]] = CATALOGUE.templates  # key -> {lang: template}
LABELS: dict[str, tuple[str, str]] = {key: tuple(pair) for key, pair in
                                      json.loads((_TEXT_DIR / "labels.json").read_text(encoding="utf-8")).items()}
t = CATALOGUE.text
noun = CATALOGUE.noun
quantity = CATALOGUE.quantity


def bi(key: str) -> str:
    """A bilingual figure label: "Loss (MSE) / Потери (MSE)"."""
    en, ru = LABELS[key]
    return en if en == ru else f"{en} / {ru}"
