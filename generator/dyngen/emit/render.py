"""Jinja rendering: one template per emitted file, handed the module IR."""

from __future__ import annotations

from functools import cache

import jinja2

from dyngen.ir.model import ModuleIR

#: Emitted file name -> template name, for every generated package.
FILES = {
    "__init__.py": "__init__.py.jinja",
    "models.py": "models.py.jinja",
    "client.py": "client.py.jinja",
}


@cache
def environment() -> jinja2.Environment:
    """The strict Jinja environment over the templates inside the package."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dyngen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_module(module: ModuleIR) -> dict[str, str]:
    """Relative path -> unformatted source for one generated package."""
    from dyngen_runtime import ABI_VERSION

    env = environment()
    return {
        f"{module.module}/{name}": env.get_template(template).render(
            module=module, abi=ABI_VERSION
        )
        for name, template in FILES.items()
    }
