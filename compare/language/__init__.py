"""language: the tool's sentences in English and Russian (the lesson's language).

``numbers``: a number as each language writes it (``0.0012`` / ``0,0012``, ``5.5e-16`` /
``5,5·10⁻¹⁶``, ``12 345``); ``catalogue``: templates by key in ``{lang}.json`` files, filled
with named values, nouns that agree with the numbers as shown, and :class:`~.catalogue.Said` -
an English sentence that remembers its template, so that it can be said again in Russian after
it has crossed a process boundary (``said_json``: or a JSON file). The standard library and
handmade's error type only: the process that runs a user's code (``compare.sandbox``) speaks
through it too.
"""
