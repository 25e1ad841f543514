"""The `patchwork` command. Each module in this package adds its own subcommands to `main`."""

from __future__ import annotations

import importlib
import pkgutil

from patchwork_atlas.cli.app import main

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "app":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["main"]
