"""Names the generated TypedDicts (``fastgroq.types._areas.<area>_params``) import, on every Python.

``NotRequired`` and ``Required`` are in ``typing`` from Python 3.11 and in ``typing_extensions`` before;
fastgroq does not depend on ``typing_extensions``. The generated modules name them only in annotations,
which ``from __future__ import annotations`` leaves as unevaluated strings, so on Python 3.10 without
``typing_extensions`` any placeholder does.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from typing import NotRequired, Required
else:
    try:
        from typing_extensions import NotRequired, Required
    except ImportError:  # pragma: no cover - only named in string annotations
        NotRequired = Required = None  # type: ignore[assignment]

__all__ = ["NotRequired", "Required"]
