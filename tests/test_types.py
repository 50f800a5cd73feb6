"""The clinical engine type-checks under `mypy --strict`, as part of the ordinary test run.

logic/ is the one place every clinical decision lives and the boundary the page, the EHR service
and the FHIR mapping all call; a type error there is a wrong dose waiting for an input to reach it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_logic_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "logic/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
