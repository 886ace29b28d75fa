"""Jinja rendering: one template per emitted file, handed the module IR."""

from __future__ import annotations

import contextlib
import os
from functools import cache
from pathlib import Path

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
        bytecode_cache=_bytecode_cache(),
    )


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that is only ever a shortcut: any OS error means "compile"."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs in the user's cache folder.

    Compiling the templates is about a tenth of a 100-entity build. Entries
    are keyed by each template's source checksum and stamped with Python's
    version, so a stale one is never used; an unwritable folder means no cache.
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "dyngen" / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


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
