"""A finding: one diagnosis, with a stable code for scripts, plain words and the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

from compare.check.texts import TEXT
from compare.language.catalogue import Said
from compare.language.said_json import as_data, as_said


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
        return {"code": self.code, "message": self.message, "details": as_data(self.details),
                "variant": self.variant}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(data["code"], data["message"], as_said(dict(data["details"])), data.get("variant"))
