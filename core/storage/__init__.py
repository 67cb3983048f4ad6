"""The only package that imports SQLAlchemy. Importing it declares every table on one
metadata (`metadata`): the core's, and each platform's in `core/storage/platforms/`."""

import importlib
import pkgutil

from core.storage import platforms, tables

metadata = tables.Base.metadata

# Found, not listed: a new platform's tables need no edit here.
for _module in pkgutil.iter_modules(platforms.__path__):
    importlib.import_module(f"{platforms.__name__}.{_module.name}")

__all__ = ["metadata"]
