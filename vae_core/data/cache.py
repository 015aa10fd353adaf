"""Where datasets are cached on disk when the caller names no directory."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """BETALAB_CACHE_DIR if set, else the user cache directory of betalab (platformdirs)."""
    env = os.environ.get("BETALAB_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("betalab"))
