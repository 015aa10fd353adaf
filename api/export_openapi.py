"""Write the service's OpenAPI document deterministically: `python -m api.export_openapi PATH`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from api.main import create_app
from persistence.settings import Settings


def openapi_json() -> str:
    """The OpenAPI document as sorted, indented JSON with a trailing newline."""
    app = create_app(Settings(database_url="sqlite:///:memory:", broker_url="redis://127.0.0.1:1"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m api.export_openapi PATH", file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(openapi_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
