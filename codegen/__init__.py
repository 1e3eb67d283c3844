"""The fastgroq generator: schema/ -> intermediate representation -> jinja2 templates -> generated/.

Stages, one module each:
    load.py    read the YAML schema files, bundle the areas into one namespace, fingerprint them
    ir.py      the intermediate representation: operations, request/response sides, seed names
    models.py  per-type code (one module per schema area) through datamodel-code-generator
    render.py  per-operation code and the package files through jinja2, runtime modules copied
    write.py   headers, formatting, parse checks, writing the tree and comparing trees (drift)
Run it with ``python -m codegen generate`` or ``python -m codegen check``.

Beside it, ``upstream/`` is ``python -m codegen upstream-diff PATH``: what an upstream OpenAPI document
has that schema/ lacks or contradicts.
"""
