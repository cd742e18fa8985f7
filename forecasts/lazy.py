"""Modules imported on their first attribute access, so importing a module that names a heavy
dependency (pvlib about 1 s, with scipy; Pyomo 0.5 s; pandas 0.15 s) costs nothing until it is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class LazyModule:
    """Stands for the module ``name``: the first attribute read imports it (then runs ``then()``) and
    copies its names here, so later reads are plain attribute reads.

    Nothing is put in ``sys.modules`` before the real import, and the import itself is the
    interpreter's (thread-safe); ``then`` must tolerate being called more than once.
    """

    def __init__(self, name: str, then: Callable[[], None] | None = None):
        vars(self)["_lazy_import"] = (name, then)

    def __getattr__(self, attribute: str) -> Any:
        name, then = vars(self)["_lazy_import"]
        module = importlib.import_module(name)
        if then is not None:
            then()
        vars(self).update(vars(module))
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {vars(self)['_lazy_import'][0]!r}, imported on first use>"


def lazy_module(name: str, then: Callable[[], None] | None = None) -> Any:
    """``name`` imported on its first attribute access, then ``then()`` (see :class:`LazyModule`)."""
    return LazyModule(name, then)
