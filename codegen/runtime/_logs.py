"""The ``fastgroq`` logger, bound on first use, and ``GROQ_LOG=info|debug``.

Importing logging costs ~3.5 ms (~4% of ``import fastgroq; Groq()`` wall time) that start-up should not
pay, and nothing logs before a request; the first request imports urllib3 anyway (~70 ms), next to which
this is noise.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = ["DEBUG", "logger"]

DEBUG = 10  # logging.DEBUG, without importing logging

_logger: logging.Logger | None = None


def logger() -> logging.Logger:
    """The "fastgroq" logger; the first call honours ``GROQ_LOG=info|debug`` (once per process)."""
    global _logger
    if _logger is not None:
        return _logger
    import logging

    log = logging.getLogger("fastgroq")
    level = os.environ.get("GROQ_LOG", "").strip().lower()
    if level in ("info", "debug"):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    _logger = log
    return log
