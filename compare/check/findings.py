"""A finding: one diagnosis, with a stable code for scripts, plain words and the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Finding:
    """One diagnosis: a stable ``code`` for scripts, a plain-words ``message``, the numbers behind it."""

    code: str
    message: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(data["code"], data["message"], dict(data["details"]))
