"""A fake vendor server on 127.0.0.1 per test, with a clock the test can move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.panorays.client import Throttle
from integrations.panorays.stub import StubServer, StubState, serve_stub


class FakeClock:
    """Monotonic seconds that only move when told to (or when someone 'sleeps')."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stub_state(clock: FakeClock) -> StubState:
    return StubState(clock=clock)


@pytest.fixture
def stub(stub_state: StubState) -> Iterator[StubServer]:
    with serve_stub(stub_state) as server:
        yield server


@pytest.fixture
def throttle(clock: FakeClock) -> Throttle:
    return Throttle(120, clock=clock, sleep=clock.sleep)
