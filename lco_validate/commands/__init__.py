"""Commands beyond the core ones in ``cli.py``: each module registers itself on ``cli``.

A command module imports heavy libraries inside its function, so that
loading the command line stays cheap.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
