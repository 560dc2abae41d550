"""Lazy exports for package ``__init__`` modules (PEP 562): a name is imported on first use, so
``import sim`` stays light (no pydantic, numpy or matplotlib until something needs them)."""

from __future__ import annotations

from importlib import import_module


def lazy_exports(package: str, namespace: dict, exports: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for a package whose names live in submodules:
    ``exports`` maps a public name to the relative module that defines it."""

    def __getattr__(name: str):
        if name in exports:
            value = getattr(import_module(exports[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
