"""What the integration tests share beyond tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.conftest import Clients
from tests.world import World, build_world


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    """A world of this module's own (tests/world.py), built once for its tests; a
    module that needs more (pupils, threads, a fresh world per test) defines its own."""
    return await build_world(api)
