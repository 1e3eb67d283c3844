"""Open enums: response-side enum types that accept values the schema does not know yet.

The API adds enum values (a new ``finish_reason``, a new ``service_tier``) without notice. msgspec
asks an Enum's ``_missing_`` before failing, so an unknown value becomes a member-like object that
compares equal to its string and re-encodes unchanged, instead of failing the whole response.
"""

from __future__ import annotations

from enum import Enum


class OpenEnum(str, Enum):
    """A string enum whose unknown values decode to a pseudo-member carrying the string."""

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str):
            return None
        # Not cached in the class: the set of values a server may send is not ours to bound.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether the schema this package was generated from lists this value."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        # A response's repr shows `finish_reason='stop'`, as the official SDK's (whose enums are strings).
        return repr(str(self.value))
