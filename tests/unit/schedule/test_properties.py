"""The schedule contract (schedule/base.py) as properties, for every kind.

For random schedules and random instants a <= b, each kind's times are aware UTC,
strictly increasing, never before the start, and the same from wherever iteration
resumes: times(a) from b on is times(b). Starts cluster around DST transitions,
where the contract is easiest to break.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apsis.errors import SpecErrors
from apsis.schedule import Schedule, ScheduleTime, schedules, stop_schedules

COUNT = 25
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Apia",
]
# Transitions of the zones above (see test_dst.py), and Samoa's skipped day.
TRANSITIONS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    datetime(2011, 12, 30, 10, tzinfo=UTC),
]
CALENDARS = ["all", "Mon-Fri", "Sat-Sun", "Mon,Wed,Fri"]
CRON_EXPRS = [
    "*/15 * * * *",
    "30 1,2 * * *",
    "0 2 * * *",
    "*/7 1-3 * * mon-fri",
    "0 0 1 * *",
    "45 23 * * sun",
    "0,30 0-3 * * *",
]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

instants = st.one_of(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    st.builds(
        lambda base, offset: base + timedelta(seconds=offset),
        st.sampled_from(TRANSITIONS),
        st.integers(-2 * 86400, 2 * 86400),
    ),
)
ordered_pairs = st.tuples(instants, instants).map(sorted)
daytimes = st.builds(
    lambda h, m, s: f"{h:02d}:{m:02d}:{s:02d}",
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45, 59]),
    st.sampled_from([0, 0, 30]),
)
shifts = st.integers(-3, 3)
dst_gaps = st.sampled_from(["first", "skip"])


def build(data: dict[str, Any]) -> Schedule:
    try:
        return schedules.parse(data)
    except SpecErrors:
        assume(False)
        raise


interval_schedules = st.integers(1, 3 * 86400).flatmap(
    lambda step: st.builds(
        lambda phase: build({"type": "interval", "interval": step, "phase": phase}),
        st.integers(0, step - 1),
    )
)
daily_schedules = st.builds(
    lambda tz, times, cal, date_shift, cal_shift, time_shift, gap: build(
        {
            "type": "daily",
            "tz": tz,
            "daytime": times,
            "calendar": cal,
            "date_shift": date_shift,
            "cal_shift": cal_shift,
            "time_shift": time_shift,
            "dst_gap": gap,
        }
    ),
    st.sampled_from(ZONES),
    st.lists(daytimes, min_size=1, max_size=3),
    st.sampled_from(CALENDARS),
    shifts,
    shifts,
    st.integers(-96, 96).map(lambda quarters: quarters * 900),
    dst_gaps,
)
boundaries = st.builds(
    lambda daytime, date_shift, cal_shift: {
        "daytime": daytime,
        "date_shift": date_shift,
        "cal_shift": cal_shift,
    },
    daytimes,
    st.integers(0, 1),
    st.integers(0, 2),
)
daily_interval_schedules = st.builds(
    lambda tz, cal, start, stop, step, gap: build(
        {
            "type": "daily-interval",
            "tz": tz,
            "calendar": cal,
            "start": start,
            "stop": stop,
            "interval": step,
            "dst_gap": gap,
        }
    ),
    st.sampled_from(ZONES),
    st.sampled_from(CALENDARS),
    daytimes,
    boundaries,
    st.sampled_from([600, 900, 1800, 3600, 5400, 7 * 3600, 86399]),
    dst_gaps,
)
explicit_schedules = st.builds(
    lambda times: build({"type": "explicit", "times": times}),
    st.lists(instants, min_size=1, max_size=40),
)
cron_schedules = st.builds(
    lambda expr, tz, gap: build({"type": "cron", "expr": expr, "tz": tz, "dst_gap": gap}),
    st.sampled_from(CRON_EXPRS),
    st.sampled_from(ZONES),
    dst_gaps,
)


def take(schedule: Schedule, start: datetime) -> list[ScheduleTime]:
    return list(islice(schedule.times(start), COUNT))


def check_contract(schedule: Schedule, a: datetime, b: datetime) -> None:
    from_a = take(schedule, a)
    times = [item.time for item in from_a]
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert all(t >= a for t in times)
    assert all(x < y for x, y in pairwise(times))
    resumed = [item for item in from_a if item.time >= b]
    assert take(schedule, b)[: len(resumed)] == resumed


@SETTINGS
@given(interval_schedules, ordered_pairs)
def test_interval_keeps_the_contract(schedule: Schedule, pair: list[datetime]) -> None:
    check_contract(schedule, *pair)


@SETTINGS
@given(daily_schedules, ordered_pairs)
def test_daily_keeps_the_contract(schedule: Schedule, pair: list[datetime]) -> None:
    check_contract(schedule, *pair)


@SETTINGS
@given(daily_interval_schedules, ordered_pairs)
def test_daily_interval_keeps_the_contract(schedule: Schedule, pair: list[datetime]) -> None:
    check_contract(schedule, *pair)


@SETTINGS
@given(explicit_schedules, ordered_pairs)
def test_explicit_keeps_the_contract(schedule: Schedule, pair: list[datetime]) -> None:
    check_contract(schedule, *pair)


@SETTINGS
@given(cron_schedules, ordered_pairs)
def test_cron_keeps_the_contract(schedule: Schedule, pair: list[datetime]) -> None:
    check_contract(schedule, *pair)


@SETTINGS
@given(daily_schedules, instants)
def test_resuming_at_each_time_yields_that_time_first(schedule: Schedule, start: datetime) -> None:
    for item in take(schedule, start)[:5]:
        assert take(schedule, item.time)[0] == item


@SETTINGS
@given(
    st.sampled_from(ZONES),
    daytimes,
    st.integers(1, 3 * 86400),
    ordered_pairs,
)
def test_daytime_stop_is_after_and_monotone(
    tz: str, daytime: str, duration: int, pair: list[datetime]
) -> None:
    a, b = pair
    for stop in (
        stop_schedules.parse({"type": "daytime", "daytime": daytime, "tz": tz}),
        stop_schedules.parse({"type": "duration", "duration": duration}),
    ):
        assert stop.stop_time(a) > a
        assert stop.stop_time(a) <= stop.stop_time(b)
