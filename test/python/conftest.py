"""Fixtures of the Python suite: an actor system per test (shut down at its
end) and the test-only extension with C++ actors and types."""

import pytest

import ringactor as ra
import _ringactor_testing


@pytest.fixture
def testing():
    return _ringactor_testing


@pytest.fixture
def system():
    s = ra.ActorSystem(workers=2, **{"system.shutdown_grace": "2s"})
    yield s
    s.shutdown()


@pytest.fixture
def scorer(system, testing):
    testing.spawn_scorer(system._sys, "scorer")
    return system.lookup("scorer")
