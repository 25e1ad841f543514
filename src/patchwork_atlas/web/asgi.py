"""Module-level app for multi-worker servers: `uvicorn patchwork_atlas.web.asgi:app`.

Reads the database path from PATCHWORK_DB (set by `patchwork serve`).
"""

import os

from patchwork_atlas.web.app import create_app

app = create_app(cache=os.environ.get("PATCHWORK_WEB_CACHE") != "0")
