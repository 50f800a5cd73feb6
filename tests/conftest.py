"""Suite-wide pytest options.

`--reverse` runs the collected tests in reverse order (pytest-reverse is not a dependency):
`python -m pytest -p no:cacheprovider --reverse -m "not e2e"` checks that no test depends on
another having run first. Each file also passes alone (`python -m pytest tests/test_x.py`).
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse",
        action="store_true",
        default=False,
        help="run the collected tests in reverse order (test order independence)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse"):
        items.reverse()
