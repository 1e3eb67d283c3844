"""The official SDK's sentinels: ``NOT_GIVEN`` ("not given", where None means something) and ``omit``
("do not send"), and ``drop_not_given`` for request parameters passed as either."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["NOT_GIVEN", "NotGiven", "Omit", "drop_not_given", "not_given", "omit"]


class NotGiven:
    """Sentinel for "not given" where None is a meaningful value (``with_options(timeout=...)``), as in the
    official SDK. Passed as a request parameter (``temperature=NOT_GIVEN``) it means "not sent"."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()
not_given = NOT_GIVEN


class Omit:
    """The official SDK's ``omit``: as a request parameter, "do not send it"; as a header value in
    ``extra_headers`` or ``default_headers``, "remove this header"."""

    _instance: Omit | None = None

    def __new__(cls) -> Omit:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "omit"

    def __bool__(self) -> bool:
        return False


omit = Omit()


def drop_not_given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters without those passed as ``NOT_GIVEN`` or ``omit`` (code written for the official SDK)
    or left ``UNSET``."""
    return {
        name: value
        for name, value in fields.items()
        if value is not msgspec.UNSET and not isinstance(value, (NotGiven, Omit))
    }
