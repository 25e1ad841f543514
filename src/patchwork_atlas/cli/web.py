"""`patchwork serve`: the web atlas, JSON API, feeds and downloads on uvicorn."""

from __future__ import annotations

import os

import click

from patchwork_atlas.cli.app import db_option, fail, main
from patchwork_atlas.kernel import config


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=lambda: min(os.cpu_count() or 1, 64), show_default="number of cores",
              type=click.IntRange(1, 64),
              help="Worker processes (each opens the database read-only).")
@click.option("--no-cache", is_flag=True, hidden=True, help="Render every request (benchmarks).")
def serve(db: str | None, host: str, port: int, workers: int, no_cache: bool) -> None:
    """Serve the atlas (pages, /api/v1, feeds, downloads) from the database, read-only.

    Keeps serving while `patchwork ingest` writes to the same file (SQLite WAL): pages
    change as soon as an ingest commits. Logs no requests, queries or addresses.
    """
    import uvicorn

    path = config.db_path(db)
    if not path.exists():
        fail(f"no database at {path}; run `patchwork ingest` first or pass --db")
    os.environ[config.DB_ENV] = str(path.resolve())
    if no_cache:
        os.environ["PATCHWORK_WEB_CACHE"] = "0"
    # Worker processes start with this: glibc otherwise gives each of the ~40 request threads
    # its own malloc arena, which keeps freed pages and pushed a worker past 200 MB.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Patchwork is serving {path} at http://{shown}:{port}/  (Ctrl-C to stop)", err=True)
    uvicorn.run(
        "patchwork_atlas.web.asgi:app" if workers > 1 else _app(),
        host=host, port=port, workers=workers, access_log=False, log_level="warning",
        server_header=False, proxy_headers=False, lifespan="off",
    )


def _app():  # type: ignore[no-untyped-def]
    from patchwork_atlas.web.app import create_app

    return create_app(cache=os.environ.get("PATCHWORK_WEB_CACHE") != "0")


@main.command("export-site")
@db_option
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--base-url", default="", help="Where the files will be served (absolute links in feeds).")
@click.option("--state", "states", multiple=True, metavar="USPS",
              help="Export only this state (repeatable); default: the whole atlas.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help=f"The data dir holding archive/ (default: ${config.DATA_DIR_ENV}).")
@click.option("--workers", default=lambda: min(os.cpu_count() or 1, 64), show_default="number of cores",
              type=click.IntRange(1, 64), help="Processes rendering pages.")
def export_site(db: str | None, out: str, base_url: str, states: tuple[str, ...],
                data_dir: str | None, workers: int) -> None:
    """Write the atlas as static files (both languages, API answers, feeds, downloads, a
    browser-side search) with relative links, for any static host or CDN."""
    from pathlib import Path

    from patchwork_atlas.web.export import export_site as export

    path = config.db_path(db)
    if not path.exists():
        fail(f"no database at {path}; run `patchwork ingest` first or pass --db")
    summary = export(path, config.data_dir(data_dir), Path(out), base_url=base_url,
                     states=[s.upper() for s in states] or None, workers=workers)
    for line in summary.failed[:20]:
        click.echo(f"not exported: {line}", err=True)
    click.echo(f"{summary.files} files, {summary.bytes / 1e6:.1f} MB in {summary.seconds} s: {out}")
    if summary.failed:
        fail(f"export-site: {len(summary.failed)} page(s) failed", 3)
