"""Read the request Structs back out of the generated types modules to build client method signatures.

datamodel-code-generator decides each field's Python type (unions, nullability, constraints); reading
its output keeps the client's keyword arguments identical to the Struct's fields instead of
re-deriving types from the schema a second time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A keyword argument of a generated client method, one per request field."""

    name: str
    annotation: str
    required: bool
    doc: str


def request_params(module: ast.Module, class_name: str) -> list[Param]:
    """The fields of request Struct ``class_name`` in the parsed types modules."""
    models = _model_names(module)
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return _fields(node, models)
    raise KeyError(f"{class_name} not found in the generated types")


def _model_names(module: ast.Module) -> set[str]:
    """Structs, and aliases of unions with a Struct among their members: the types a caller may give
    as plain dicts. Repeated until nothing is added, since an alias may use one defined after it (in
    another area's module)."""
    models = {n.name for n in module.body if isinstance(n, ast.ClassDef) and _is_struct(n)}
    aliases = [
        (node.target.id, _union_members(_unannotated(node.value)))
        for node in module.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None
    ]
    while True:
        found = {
            name
            for name, members in aliases
            if name not in models and any(isinstance(m, ast.Name) and m.id in models for m in members)
        }
        if not found:
            return models
        models |= found


def _unannotated(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Annotated" and isinstance(node.slice, ast.Tuple):
        return node.slice.elts[0]
    return node


def _is_struct(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Name) and b.id in ("Struct", "BaseModel") for b in node.bases)


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _fields(cls: ast.ClassDef, models: set[str]) -> list[Param]:
    params: list[Param] = []
    body = cls.body
    for i, node in enumerate(body):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if isinstance(node.annotation, ast.Subscript) and ast.unparse(node.annotation.value) == "ClassVar":
            continue
        doc = ""
        following = body[i + 1] if i + 1 < len(body) else None
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            doc = str(following.value.value).strip()
        annotation = _Widen(models).visit(_StripAnnotated().visit(node.annotation))
        params.append(Param(node.target.id, ast.unparse(annotation), node.value is None, doc))
    return params


class _StripAnnotated(ast.NodeTransformer):
    """``Annotated[float, Meta(ge=0)]`` -> ``float``: constraints are checked at send time, not typed."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        return _unannotated(node)


class _Widen(ast.NodeTransformer):
    """Accept plain dicts where a Struct is expected, and any sequence where a list is, as the
    official SDK does; the request is validated as a whole before it is sent."""

    def __init__(self, models: set[str]) -> None:
        self.models = models

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.models:
            mapping = ast.parse("Mapping[str, Any]", mode="eval").body
            return ast.BinOp(left=node, op=ast.BitOr(), right=mapping)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        name = ast.unparse(node.value)
        if name == "list":
            node.value = ast.Name("Sequence")
        elif name == "dict":
            node.value = ast.Name("Mapping")
        return node
