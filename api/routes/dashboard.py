"""The browser dashboard: HTML shells for four pages plus the JS/CSS they load, all served here."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from api.catalog import catalog_json

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# The dashboard is native ES modules, no build step: dashboard.js (the entry) imports a module per
# page (page-*.js) and the shared ones (api.js, ui.js, charts.js, runtable.js).
ENTRY_MODULE = "dashboard.js"

router = APIRouter(tags=["dashboard"], include_in_schema=False)


def _page(title: str, page: str, entity_id: str = "") -> HTMLResponse:
    """One HTML shell; dashboard.js reads `data-page` / `data-id` and builds the content, with
    the catalog (GET /catalog) embedded so that no page restates datasets, metrics or presets."""
    scripts = f'  <script type="module" src="/static/{ENTRY_MODULE}"></script>'
    body = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)} · betalab</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/dashboard.css">
  <script type="application/json" id="catalog">{catalog_json()}</script>
{scripts}
</head>
<body data-page="{html.escape(page)}" data-id="{html.escape(entity_id)}">
  <header class="topbar">
    <a class="brand" href="/">betalab</a>
    <nav><a href="/">Experiments</a><a href="/ui/new">New experiment</a></nav>
  </header>
  <main id="app"><p class="muted">Loading…</p></main>
  <noscript>The betalab dashboard needs JavaScript; the JSON API is at /docs.</noscript>
</body>
</html>
"""
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


@router.get("/", response_class=HTMLResponse)
def experiments_page() -> HTMLResponse:
    """The experiments list."""
    return _page("Experiments", "experiments")


@router.get("/ui/experiments/{experiment_id}", response_class=HTMLResponse)
def experiment_page(experiment_id: str) -> HTMLResponse:
    """One experiment: curve, trend table, run table."""
    return _page("Experiment", "experiment", experiment_id)


@router.get("/ui/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str) -> HTMLResponse:
    """One run: training curves, pictures, failure reason."""
    return _page("Run", "run", run_id)


@router.get("/ui/new", response_class=HTMLResponse)
def new_experiment_page() -> HTMLResponse:
    """The new-experiment form."""
    return _page("New experiment", "new")


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """A file of api/static by bare name only (no sub-paths, so nothing outside can leak)."""
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in _MEDIA_TYPES:
        raise HTTPException(status_code=404, detail="Not Found")
    if not path.is_file():
        raise HTTPException(status_code=404, detail="Not Found")
    return FileResponse(
        path, media_type=_MEDIA_TYPES[path.suffix], headers={"Cache-Control": "no-cache"}
    )
