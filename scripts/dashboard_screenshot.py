"""Screenshot a real experiment's dashboard page for the README (issue #16).

    .venv/bin/python scripts/dashboard_screenshot.py --server http://127.0.0.1:8000 \
        --experiment ID [--metric beta_vae_change_one] [--out docs/dashboard.png]

It waits until the page has drawn every curve point the service's curve has, so the picture is
never of a half-loaded page. Reads need no key where the service allows public read (loopback).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--metric", default="beta_vae_change_one")
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    curve = httpx.get(
        f"{args.server}/results/{args.experiment}/curve", params={"metric": args.metric}
    )
    curve.raise_for_status()
    points = len(curve.json()["points"])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{args.server}/ui/experiments/{args.experiment}")
        page.select_option("#metric-select", args.metric)
        page.wait_for_function(
            "n => document.querySelectorAll('#curve .curve-point').length === n", arg=points
        )
        page.wait_for_selector("#findings-table tr.finding-row")
        page.screenshot(path=str(args.out), full_page=True)
        browser.close()
    print(f"wrote {args.out} ({points} curve points of {args.metric})")


if __name__ == "__main__":
    main()
