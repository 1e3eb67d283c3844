"""JSON pointers (RFC 6901) in URI-fragment form: ``#/components/schemas/Foo/properties/bar``."""

from __future__ import annotations

from typing import Any

ROOT = "#"


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape(str(t)) for t in tokens)


def tokens(pointer: str) -> list[str]:
    """The reference tokens of ``pointer``; raises ``ValueError`` if it is not a fragment pointer."""
    if pointer == ROOT:
        return []
    if not pointer.startswith(ROOT + "/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer of the form '#/a/b'")
    return [unescape(t) for t in pointer[2:].split("/")]


def resolve(document: Any, pointer: str) -> Any | None:
    """The node at ``pointer`` in ``document``, or None when there is none."""
    node = document
    for token in tokens(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def is_within(pointer: str, prefix: str) -> bool:
    """``pointer`` is ``prefix`` or below it (token-wise: ``/properties/n`` is not within ``/properties/na``)."""
    return pointer == prefix or pointer.startswith(prefix + "/")
