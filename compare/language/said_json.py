"""Sentences in JSON: a :class:`~compare.language.catalogue.Said` written so that it can be said again.

JSON has no type for "an English sentence that remembers its template", so a report written to
a file and read back would only be English. Two ways keep it sayable in every language:

* :func:`as_data` / :func:`as_said`: a sentence among other values (a finding's details) becomes
  ``{"text", "template", "values"}`` and back;
* :func:`sentences_of` / :func:`resay`: the strings of a data structure stay plain English (its
  readers see no change) and a side table ``{JSON pointer: {"text", "template", "values"}}``
  says where its sentences stand; reading back puts each sentence in its place again (by place,
  not by text: a method named ``backward`` is not the sentence "backward").
"""

from __future__ import annotations

import copy

from compare.language.catalogue import Said


def as_data(value):
    """``value`` as JSON data, every sentence in it as {"text", "template", "values"}."""
    if isinstance(value, Said) and value.key is not None:
        return {"text": str(value), "template": value.key, "values": as_data(value.values)}
    if isinstance(value, dict):
        return {k: as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(v) for v in value]
    return value


def as_said(value):
    """The inverse of :func:`as_data`."""
    if isinstance(value, dict) and set(value) == {"text", "template", "values"}:
        return Said(value["text"], value["template"], as_said(value["values"]))
    if isinstance(value, dict):
        return {k: as_said(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_said(v) for v in value]
    return value


def sentences_of(value, pointer: str = "") -> dict:
    """{JSON pointer: the sentence as data} for every sentence with a template inside ``value``."""
    if isinstance(value, Said) and value.key is not None:
        return {pointer: as_data(value)}
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    found = {}
    for key, item in items:
        found.update(sentences_of(item, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"))
    return found


def resay(data, sentences: dict):
    """A copy of ``data`` (JSON) with the sentence of every pointer of ``sentences`` (from :func:`sentences_of`)
    put back where its English text still stands; a pointer to anything else leaves the data as it is."""
    data = copy.deepcopy(data)
    for pointer, said in sentences.items():
        *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]] or [""]
        node = data
        try:
            for part in parents:
                node = node[int(part) if isinstance(node, list) else part]
            key = int(last) if isinstance(node, list) else last
            if node[key] == said["text"]:
                node[key] = as_said(said)
        except (KeyError, IndexError, ValueError, TypeError):   # not this report's shape: the English stays
            continue
    return data
