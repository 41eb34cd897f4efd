from __future__ import annotations

from pathlib import Path

import pytest

from apsis.config import load_config
from apsis.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.job_dir == tmp_path / "jobs"
    assert config.schedule.horizon == 86400
    assert config.runs.lookback == 7 * 86400


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, "job_dir: jobs\ndatabase: {path: var/apsis.db}\ncalendars: {dir: cal}")
    config = load_config(path)
    assert config.job_dir == tmp_path / "jobs"
    assert config.database.path == tmp_path / "var/apsis.db"
    assert config.calendars.dir == tmp_path / "cal"


def test_apsis_1x_spellings_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "jobs: myjobs\ndatabase: old.db\nruns_lookback: 86400")
    config = load_config(path)
    assert config.job_dir == tmp_path / "myjobs"
    assert config.database.path == tmp_path / "old.db"
    assert config.runs.lookback == 86400


def test_durations_and_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, "schedule: {horizon: 2 days}\nwaiting: {max_time: 1h}")
    config = load_config(path, ["schedule.horizon=6h", "jobs.watch=true"])
    assert config.schedule.horizon == 6 * 3600
    assert config.waiting.max_time == 3600
    assert config.jobs.watch is True


def test_jobs_section_or_jobs_path_with_watch_override(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "jobs: {dir: mine, watch: true}"))
    assert (config.job_dir, config.jobs.watch) == (tmp_path / "mine", True)
    config = load_config(write(tmp_path, "jobs: mine"), ["jobs.watch=true"])
    assert (config.job_dir, config.jobs.watch) == (tmp_path / "mine", True)


def test_override_through_a_value_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"override 'database\.path\.x': database\.path is not"):
        load_config(write(tmp_path, "database: {path: a.db}"), ["database.path.x=1"])


def test_host_group_shorthands(tmp_path: Path) -> None:
    path = write(tmp_path, "host_groups: {one: web1, many: [a, b]}")
    groups = load_config(path).host_groups
    assert (groups["one"].type, groups["one"].hosts) == ("single", ("web1",))
    assert (groups["many"].type, groups["many"].hosts) == ("random", ("a", "b"))


def test_global_actions_are_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, "action: {type: email, to: ops@example.com, if: {states: error}}")
    (action,) = load_config(path).action
    assert action.type_name == "email"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schedul: {horizon: 1h}", "schedul: unknown key"),
        ("schedule: {horizon: soon}", "schedule.horizon: 'soon' is not a duration"),
        ("schedule: {horizon: 0}", "schedule.horizon: input should be greater than 0"),
        (
            "host_groups: {g: {type: fancy, hosts: [a]}}",
            "host_groups.g.type: 'fancy' is not one of 'round-robin', 'random' or 'single'",
        ),
        (
            "action: [{type: emial}]",
            "action[0].type: unknown action type 'emial' (did you mean 'email'?)",
        ),
        ("- a list", "expected a mapping of settings"),
        ("a: [", "line 2, column 1: not valid YAML: did not find expected node content"),
        ("a: 1\na: 2", "line 2: duplicate key 'a'"),
        (
            "schedule: {since: 2026-13-01T00:00:00Z}",
            "schedule.since: '2026-13-01T00:00:00Z' is not a time",
        ),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.message.startswith(f"{path}: {message}")


def test_bad_override_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="override 'horizon' is not KEY=VALUE"):
        load_config(write(tmp_path, ""), ["horizon"])
