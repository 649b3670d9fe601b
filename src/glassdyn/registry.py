"""Registries: where the things that vary (potential kinds, descriptors, labels, model kinds, MCT
kernels) are looked up by name.

Adding one is one new module plus one ``@REGISTRY.register("name")`` line; every consumer (engines,
the CLI's choices, the stores' provenance, the model folders) finds it through the registry::

    from glassdyn.structure import DESCRIPTORS

    @DESCRIPTORS.register("my_descriptor")
    class MyDescriptor: ...
"""
from __future__ import annotations

import difflib

__all__ = ["Registry"]


class Registry:
    """Name -> object table with decorator registration and helpful unknown-name errors."""

    def __init__(self, what: str):
        self.what = what
        self._items: dict = {}

    def register(self, name: str, obj=None):
        """Register ``obj`` under ``name``; used bare as a decorator when ``obj`` is omitted."""
        def add(o):
            if name in self._items and self._items[name] is not o:
                raise ValueError(f"{self.what} {name!r} is already registered")
            self._items[name] = o
            return o

        return add if obj is None else add(obj)

    def get(self, name: str):
        try:
            return self._items[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), self._items, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown {self.what} {name!r}{hint}; known: {', '.join(self.names())}") from None

    def names(self) -> list:
        return sorted(self._items)

    def __contains__(self, name) -> bool:
        return name in self._items

    def __iter__(self):
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
