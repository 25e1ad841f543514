"""The API page, generated from the OpenAPI document, so it lists every endpoint the API serves
with its parameters and a working example (one description: api/openapi.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.api.openapi import document, example_url
from patchwork_atlas.web.render import page


def api_page(request: Request) -> Response:
    doc = document()
    endpoints = [{"path": path, "summary": op["get"]["summary"], "example": example_url(path, op["get"]),
                  "parameters": op["get"].get("parameters", [])}
                 for path, op in doc["paths"].items()]
    return page(request, "api.html", endpoints=endpoints)
