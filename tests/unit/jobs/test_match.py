from __future__ import annotations

import pytest

from apsis.errors import NoSuchJob
from apsis.jobs import AmbiguousJob, match_job_id

IDS = ["data/load prices", "data/load rates", "ops/backup", "ops"]


def test_exact_id_wins_over_prefix_matches() -> None:
    assert match_job_id("ops", IDS) == "ops"


def test_every_word_must_prefix_a_word_of_the_id() -> None:
    assert match_job_id("load pri", IDS) == "data/load prices"
    assert match_job_id("back", IDS) == "ops/backup"


def test_no_match_is_no_such_job() -> None:
    with pytest.raises(NoSuchJob, match="no job 'nothing'"):
        match_job_id("nothing", IDS)


def test_several_matches_are_ambiguous_and_listed() -> None:
    with pytest.raises(AmbiguousJob) as info:
        match_job_id("data load", IDS)
    assert str(info.value) == (
        "ambiguous job 'data load'; matches: data/load prices, data/load rates"
    )
