"""The API process validates specs and serves results without loading torch (issue #17)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import sys
from api.main import create_app
create_app
import vae_core.config
print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
"""


def test_importing_the_api_loads_no_torch_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout[:500]


def test_the_torch_free_config_is_what_training_uses() -> None:
    import vae_core.config as config
    import vae_core.models as models
    import vae_core.train as train

    assert train.TrainConfig is config.TrainConfig and train.PRESETS is config.PRESETS
    assert models.ModelConfig is config.ModelConfig
    assert set(models.ARCHITECTURES) == set(config.ARCHS)
