"""The sentences the process running a user's code says (errors, notes, how a class was understood).

They are data, in ``compare/sandbox/text/{en,ru}.json``; ``say(key, **values)`` makes the English
sentence as a :class:`~compare.language.catalogue.Said`, which crosses to the checker whole
(``compare.sandbox.wire``) so that the report can say it again in Russian. The checker's
catalogue (``compare.check.texts``) includes this one.
"""

from __future__ import annotations

from pathlib import Path

from compare.language.catalogue import Catalogue

TEXT_DIR = Path(__file__).with_name("text")
TEXT = Catalogue(TEXT_DIR)
say = TEXT.say
