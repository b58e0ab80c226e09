"""FrameClock on a fake clock: ticks on a fixed grid, late callers skip ahead instead of bursting."""

from __future__ import annotations

import asyncio
import math

import pytest

from render_node.frame_clock import FrameClock, Tick

FPS = 32  # 1/32 s is exact in binary floating point, so grid checks can be exact
INTERVAL = 1 / FPS
START = 100.0


class FakeTime:
    """`now` reads a number; `sleep` records how long it was asked for and moves time on by that."""

    def __init__(self, start: float = START) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def make(fps: float = FPS) -> tuple[FrameClock, FakeTime]:
    fake = FakeTime()
    return FrameClock(fps, now=fake.now, sleep=fake.sleep), fake


def tick(clock: FrameClock) -> Tick:
    return asyncio.run(clock.tick())


def on_grid(scheduled: float) -> bool:
    steps = (scheduled - START) / INTERVAL
    return steps == round(steps)


def test_interval_is_one_over_fps() -> None:
    assert FrameClock(30).interval == pytest.approx(1 / 30)
    assert FrameClock(FPS).interval == INTERVAL


def test_first_tick_is_immediate_at_the_current_time() -> None:
    clock, fake = make()
    assert tick(clock) == (START, 0)
    assert fake.sleeps == []


def test_ticks_are_spaced_by_one_interval() -> None:
    clock, fake = make()
    ticks = [tick(clock) for _ in range(6)]
    assert ticks == [(START + k * INTERVAL, 0) for k in range(6)]
    assert fake.sleeps == [INTERVAL] * 5
    assert fake.t == START + 5 * INTERVAL


def test_work_between_ticks_shortens_the_sleep_not_the_rate() -> None:
    clock, fake = make()
    tick(clock)
    for k in range(1, 5):
        fake.t += 0.25 * INTERVAL  # the caller renders for a quarter of a frame
        assert tick(clock) == (START + k * INTERVAL, 0)
    assert fake.sleeps == [0.75 * INTERVAL] * 4


def test_caller_late_by_less_than_an_interval_skips_nothing_and_does_not_sleep() -> None:
    clock, fake = make()
    tick(clock)
    fake.t = START + INTERVAL + 0.5 * INTERVAL  # due at START + INTERVAL, half a frame late
    assert tick(clock) == (START + INTERVAL, 0)
    assert fake.sleeps == []
    # The next one is still due on the grid, so it waits the remaining half interval.
    assert tick(clock) == (START + 2 * INTERVAL, 0)
    assert fake.sleeps == [0.5 * INTERVAL]


def test_late_caller_skips_the_missed_ticks_and_stays_on_the_grid() -> None:
    clock, fake = make()
    tick(clock)
    due = START + INTERVAL
    fake.t = due + 3.5 * INTERVAL  # 3.5 intervals past the next tick's time
    scheduled, skipped = tick(clock)
    assert skipped == 3
    assert scheduled == due + 3 * INTERVAL  # the latest grid time that has passed
    assert on_grid(scheduled)
    assert fake.sleeps == []


def test_no_burst_of_catch_up_ticks_after_a_late_caller() -> None:
    clock, fake = make()
    tick(clock)
    fake.t = START + INTERVAL + 3.5 * INTERVAL
    first, _ = tick(clock)
    following = [tick(clock) for _ in range(4)]
    # Every later tick waited (none came back at once) and none skipped any more frames.
    assert fake.sleeps == [0.5 * INTERVAL] + [INTERVAL] * 3
    assert following == [(first + k * INTERVAL, 0) for k in range(1, 5)]
    assert all(on_grid(scheduled) for scheduled, _ in following)


@pytest.mark.parametrize(("late", "skipped"), [(0.99, 0), (1.0, 1), (2.0, 2), (2.75, 2), (10.5, 10)])
def test_skipped_counts_whole_intervals_missed(late: float, skipped: int) -> None:
    clock, fake = make()
    tick(clock)
    due = START + INTERVAL
    fake.t = due + late * INTERVAL
    assert tick(clock) == (due + skipped * INTERVAL, skipped)


def test_repeated_lateness_keeps_every_tick_on_the_grid() -> None:
    clock, fake = make()
    scheduled_times = []
    total_skipped = 0
    for lateness in [0.0, 2.3, 0.1, 5.9, 0.0, 1.0, 0.6]:
        scheduled, skipped = tick(clock)
        scheduled_times.append(scheduled)
        total_skipped += skipped
        fake.t += lateness * INTERVAL
    assert all(on_grid(t) for t in scheduled_times)
    assert scheduled_times == sorted(set(scheduled_times))
    # Rendered plus skipped ticks account for every grid slot between the first and the last.
    assert len(scheduled_times) - 1 + total_skipped == round((scheduled_times[-1] - START) / INTERVAL)


@pytest.mark.parametrize("fps", [0, 0.0, -30, -0.001, math.nan])
def test_non_positive_or_nan_fps_raises_value_error(fps: float) -> None:
    with pytest.raises(ValueError, match="fps must be positive"):
        FrameClock(fps)


def test_infinite_fps_raises_value_error() -> None:
    with pytest.raises(ValueError):
        FrameClock(math.inf)


def test_wake_ends_the_wait_at_once_and_restarts_the_grid_there() -> None:
    """Input should not wait out the rest of a frame interval: a set event ends the sleep."""
    now = [100.0]

    async def never(_: float) -> None:
        await asyncio.Event().wait()  # a sleep that would never end by itself

    async def scenario() -> list[float]:
        clock = FrameClock(10, now=lambda: now[0], sleep=never)
        wake = asyncio.Event()
        first, _ = await clock.tick(wake)  # the first tick is immediate
        now[0] = 100.03  # 30 ms into a 100 ms interval, input arrives
        wake.set()
        second, _ = await clock.tick(wake)
        assert not wake.is_set(), "the clock consumes the wake-up"
        now[0] = 100.13
        third, skipped = await clock.tick(wake)
        return [first, second, third, skipped]

    first, second, third, skipped = asyncio.run(scenario())
    assert first == 100.0
    assert second == pytest.approx(100.03)
    assert third == pytest.approx(100.13) and skipped == 0
