"""Sentences by key, in English and Russian: templates filled with named values, said in either language.

A catalogue is the ``en.json`` and ``ru.json`` of one or more folders, each mapping a key to a
template (``"finding.factor": "{name} = {factor:.6g} x torch's: {meaning}"``). The same blanks
appear in both languages; what fills them is formatted for the language:

* a number with the blank's format spec, then written as the language writes it
  (:func:`~compare.language.numbers.localize`: ``7.5`` -> ``7,5``, ``1e-05`` -> ``1·10⁻⁵``);
* ``{n:@epoch}``: the number and its noun, agreeing with the number as shown ("5 epochs",
  "5 эпох", "42,5 эпохи"; the forms are the ``noun.epoch`` entry, "one|other" in English,
  "one|few|many" in Russian);
* ``{shape:shape}``: a list or tuple as a shape, ``(30, 16)``; a plain list is joined with ", "
  (``{items:;}``: with "; ");
* a :class:`Said` (a sentence made from this or another catalogue) is said again in the language.

:class:`Said` is an English sentence (a ``str``: everything that reads the English keeps
working) that remembers its key and values; ``compare.sandbox.wire`` carries it between
processes whole. A sentence whose template is missing or cannot take its values (a value
from a user's process is any JSON) is said in English rather than not at all.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

from compare.language.numbers import localize, num
from handmade.contract.errors import InvalidInput

LANGS = ("en", "ru")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; supported languages are: {', '.join(LANGS)}")
    return lang


class Said(str):
    """An English sentence made from template ``key`` with ``values`` (see the module docstring)."""

    def __new__(cls, text: str, key: str | None = None, values: dict | None = None):
        said = super().__new__(cls, text)
        said.key, said.values = key, dict(values or {})
        return said

    def __reduce__(self):
        return Said, (str(self), self.key, self.values)


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


class Catalogue:
    """The templates of ``folders`` (each holding ``en.json`` and ``ru.json``); a key is defined once."""

    def __init__(self, *folders: Path):
        self.templates: dict[str, dict[str, str]] = {}  # key -> {lang: template}
        for folder in folders:
            for lang in LANGS:
                for key, template in json.loads((Path(folder) / f"{lang}.json").read_text(encoding="utf-8")).items():
                    if lang in self.templates.get(key, {}):
                        raise ValueError(f"{key!r} is defined twice in the {lang} catalogues of {folders}")
                    self.templates.setdefault(key, {})[lang] = template

    def text(self, key: str, lang: str, /, **values) -> str:
        """The sentence ``key`` in ``lang`` with ``values`` filled in."""
        return _Filler(self, check_lang(lang)).format(self.templates[key][lang], **values)

    def say(self, key: str, /, **values) -> Said:
        """The English sentence ``key``, remembering how it was made (see :class:`Said`)."""
        return Said(self.text(key, "en", **values), key, values)

    def render(self, value, lang: str) -> str:
        """``value`` in ``lang``: a Said said again, a list joined, a number localized, anything else as text."""
        if isinstance(value, Said) and value.key is not None and lang != "en":
            try:
                return self.text(value.key, lang, **value.values)
            except (KeyError, IndexError, ValueError, TypeError, AttributeError):
                return str(value)   # a sentence this catalogue cannot say (or values it cannot take): English
        if isinstance(value, (list, tuple)):
            return ", ".join(self.render(v, lang) for v in value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return localize(str(value), lang)
        return str(value)

    def noun(self, name: str, value, lang: str) -> str:
        """The form of noun ``name`` ("epoch", "value", ...) that agrees with ``value``."""
        return self.templates[f"noun.{name}"][check_lang(lang)].split("|")[plural_form(value, lang)]

    def quantity(self, value, name: str, lang: str) -> str:
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
        return f"{text} {self.noun(name, value, lang)}"


class _Filler(string.Formatter):
    """Fills a template's blanks for one language (see the module docstring for the specs)."""

    def __init__(self, catalogue: Catalogue, lang: str):
        self.catalogue, self.lang = catalogue, lang

    def format_field(self, value, spec: str) -> str:
        if spec.startswith("@"):
            return self.catalogue.quantity(value, spec[1:], self.lang)
        if spec == "shape":
            return str(tuple(value))
        if spec == ";" and isinstance(value, (list, tuple)):
            return "; ".join(self.catalogue.render(v, self.lang) for v in value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and spec:
            return localize(format(value, spec), self.lang)
        return self.catalogue.render(value, self.lang) if not spec else format(value, spec)
