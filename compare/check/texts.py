"""The checker's sentences: findings, check names, the report card's words; English and Russian.

They are data, in ``compare/check/text/{en,ru}.json`` (with the sandbox's own sentences,
``compare/sandbox/text``, in the same catalogue). A finding's template is ``finding.<code>``
(``finding.<code>.<variant>`` where one code has several sentences); the blanks are filled
with the values the finding keeps in ``details``, so a finding made in English can be said
in Russian later (``Finding.say(lang)``).
"""

from __future__ import annotations

from pathlib import Path

from compare.language.catalogue import Catalogue
from compare.sandbox.texts import TEXT_DIR as SANDBOX_TEXT_DIR

TEXT = Catalogue(Path(__file__).with_name("text"), SANDBOX_TEXT_DIR)
say = TEXT.say
