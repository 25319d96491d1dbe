"""A finding: one diagnosis, with a stable code for scripts, plain words and the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

from compare.check.texts import TEXT
from compare.language.catalogue import Said


@dataclass
class Finding:
    """One diagnosis: a stable ``code`` for scripts, a plain-words ``message``, the numbers behind it.

    Made with :meth:`of` from the template ``finding.<code>`` (``finding.<code>.<variant>`` where a
    code has several sentences): ``message`` is the English sentence, ``details`` the values it was
    filled with, so that :meth:`say` can say it in another language.
    """

    code: str
    message: str
    details: dict = field(default_factory=dict)
    variant: str | None = None

    @classmethod
    def of(cls, code: str, variant: str | None = None, /, **values) -> Finding:
        """The finding ``code`` (its sentence ``variant``) with ``values``."""
        key = f"finding.{code}" + (f".{variant}" if variant else "")
        return cls(code, TEXT.text(key, "en", **values), values, variant)

    @property
    def template(self) -> str:
        return f"finding.{self.code}" + (f".{self.variant}" if self.variant else "")

    def extended(self, variant: str, **values) -> Finding:
        """The same finding told at more length: its sentence ``variant`` with ``values`` added."""
        return Finding.of(self.code, variant, **{**self.details, **values})

    def say(self, lang: str) -> str:
        """The sentence in ``lang`` (the English ``message`` itself in English)."""
        return TEXT.render(Said(self.message, self.template, self.details), lang)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": _as_data(self.details),
                "variant": self.variant}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(data["code"], data["message"], _as_said(dict(data["details"])), data.get("variant"))


def _as_data(value):
    """Details as JSON data: a sentence among them (``meaning``, ``verdict``) as {"text", "template", "values"},
    so that a finding read back from JSON can still be said in Russian."""
    if isinstance(value, Said) and value.key is not None:
        return {"text": str(value), "template": value.key, "values": _as_data(value.values)}
    if isinstance(value, dict):
        return {k: _as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_data(v) for v in value]
    return value


def _as_said(value):
    """The inverse of :func:`_as_data`."""
    if isinstance(value, dict) and set(value) == {"text", "template", "values"}:
        return Said(value["text"], value["template"], _as_said(value["values"]))
    if isinstance(value, dict):
        return {k: _as_said(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_said(v) for v in value]
    return value
