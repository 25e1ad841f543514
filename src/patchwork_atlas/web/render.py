"""Jinja2 environment (autoescape on) and the per-request template helpers."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from patchwork_atlas.api.v1 import SOURCES as CITED_SOURCES
from patchwork_atlas.kernel import i18n


@lru_cache(maxsize=1)
def environment() -> Environment:
    folder = str(resources.files("patchwork_atlas.web") / "templates")
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # templates ship with the package: no stat of each one per page
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s, **kw: i18n.gettext(s) % kw if kw else i18n.gettext(s),
        lambda s, p, n, **kw: i18n.ngettext(s, p, n) % dict(kw, num=fmt_num(n)),
        newstyle=False,
    )
    env.globals.update(term=i18n.term, languages=i18n.LANGUAGES, language_names=i18n.LANGUAGE_NAMES)
    env.filters.update(date=fmt_date, num=fmt_num, urlq=lambda v: quote(str(v), safe=""))
    return env


def fmt_date(value: Any, style: str = "medium") -> str:
    """An ISO date in the reader's language; anything else shown as printed (never guessed)."""
    if not value:
        return i18n.gettext("unknown")
    text = str(value)
    try:
        if "T" in text:
            parsed: date = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        else:
            parsed = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return _format_date(parsed, style, i18n.current_language.get())


@lru_cache(maxsize=16384)
def _format_date(value: date, style: str, lang: str) -> str:
    """Babel's formatting costs ~150 µs and a profile page shows ~100 dates: remember them."""
    return format_date(value, format=style, locale=lang)


def fmt_num(value: Any) -> str:
    if value is None:
        return "–"
    return _format_number(value, i18n.current_language.get())


@lru_cache(maxsize=16384)
def _format_number(value: int | float, lang: str) -> str:
    return format_decimal(value, locale=lang)


def _context(request: Request, path: str | None = None) -> dict[str, Any]:
    """What every template may use: the language, links that keep its prefix, the page's path."""
    lang = request.state.lang
    i18n.current_language.set(lang)
    prefix = request.state.prefix
    path = request.url.path if path is None else path
    query = request.url.query

    def url(target: str, **params: Any) -> str:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return prefix + target + (("?" + urlencode(clean)) if clean else "")

    def switch(to: str) -> str:
        nxt = path + (("?" + query) if query else "")
        return f"/lang/{to}?" + urlencode({"next": nxt})

    return {"lang": lang, "url": url, "switch": switch, "path": path, "request_query": query,
            "other_languages": [code for code in i18n.LANGUAGES if code != lang]}


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the request's language, with links that keep its language prefix."""
    html = environment().get_template(template).render(
        **_context(request), cite=citation(request, context.get("fresh")), **context)
    return HTMLResponse(html, status_code=status)


def fragment(request: Request, template: str, path: str, **context: Any) -> Markup:
    """Part of a page rendered on its own, as if on the page at `path` (to be reused)."""
    return Markup(environment().get_template(template).render(**_context(request, path), **context))




def citation(request: Request, fresh: dict[str, Any] | None) -> dict[str, Any]:
    """How to cite the page: the as-of date of the data shown (the pinned `as_of` when the URL
    has a real one), a permanent URL that pins it, and the sources."""
    pinned = request.query_params.get("as_of", "")
    try:
        as_of: str | None = date.fromisoformat(pinned).isoformat()
    except ValueError:
        as_of = (fresh or {}).get("participating_as_of")
        if as_of is None:
            provider = getattr(request.scope.get("app"), "state", None)  # none in a static export
            as_of = provider.as_of() if provider is not None and hasattr(provider, "as_of") else None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "as_of"]
    if as_of:
        params.append(("as_of", as_of))
    base = f"{request.url.scheme}://{request.url.netloc}{request.state.prefix}{request.url.path}"
    return {"as_of": as_of, "url": base + (("?" + urlencode(params)) if params else ""),
            "sources": CITED_SOURCES}


def safe_svg(svg: str) -> Markup:
    """Mark SVG we drew ourselves (every data string in it already escaped) as safe."""
    return Markup(svg)  # noqa: S704 - built by mapsvg/charts with html.escape on all text
