"""Evaluating conditions: `check`, `wake_keys` and `resolve` against written-out situations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest

from apsis.cond import Const, Dependency, MaxRunning, Poll, Resource, SkipDuplicate
from apsis.cond.base import Transition, Verdict, inst_key, resource_key
from apsis.cond.dependency import states_reaching
from apsis.cond.resource import held_resources
from apsis.errors import BindError
from apsis.model.run import Run
from apsis.model.state import FINISHED, UNFINISHED, State

DATE = {"date": "2026-11-21"}
T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)


def make_run(run_id: str, job_id: str = "j", state: State = State.waiting, **args: str) -> Run:
    return Run(
        run_id=run_id, job_id=job_id, args=args or dict(DATE), state=state, times={"schedule": T0}
    )


class View:
    """The engine's RunView, over a plain list of runs."""

    def __init__(self, *runs: Run, holding: Mapping[str, int] | None = None) -> None:
        self.runs = list(runs)
        self.holders = dict(holding or {})

    def runs_of(self, job_id: str, args: Mapping[str, str]) -> Sequence[Run]:
        return [r for r in self.runs if r.job_id == job_id and r.args == dict(args)]

    def holding(self, resource: str) -> int:
        return self.holders.get(resource, 0)


ME = make_run("r1")


# --- dependency ------------------------------------------------------------------------


def dep(**fields: object) -> Dependency:
    return Dependency.model_validate({"job_id": "etl/load", "args": DATE, **fields})


def test_dependency_waits_without_any_run_of_the_instance() -> None:
    assert dep().check(ME, View()) is Verdict.WAIT


def test_dependency_passes_once_a_run_of_the_instance_succeeded() -> None:
    view = View(
        make_run("r2", "etl/load", State.failure), make_run("r3", "etl/load", State.success)
    )
    assert dep().check(ME, view) is Verdict.PASS


def test_dependency_waits_for_matching_args() -> None:
    view = View(make_run("r2", "etl/load", State.success, date="2026-11-20"))
    assert dep().check(ME, view) is Verdict.WAIT


def test_dependency_passes_on_any_listed_state() -> None:
    view = View(make_run("r2", "etl/load", State.failure))
    assert dep(states=["success", "failure"]).check(ME, view) is Verdict.PASS


def test_dependency_waits_while_the_target_run_is_not_there_yet() -> None:
    view = View(make_run("r2", "etl/load", State.running))
    assert dep(exist=True).check(ME, view) is Verdict.WAIT


def test_dependency_on_its_own_instance_ignores_the_waiting_run_itself() -> None:
    me = make_run("r1", "etl/load")
    assert dep(states=["waiting"]).check(me, View(me)) is Verdict.WAIT
    error = dep(exist=True).check(me, View(me))
    assert isinstance(error, Transition) and error.state is State.error


def test_dependency_exist_errors_at_once_without_any_run() -> None:
    assert dep(exist=True).check(ME, View()) == Transition(
        State.error,
        "no run of etl/load date=2026-11-21 in "
        "new, scheduled, waiting, starting, running, stopping, success",
    )


def test_dependency_exist_list_is_the_alarm_pattern() -> None:
    cond = dep(exist=["success"])
    assert cond.check(ME, View(make_run("r2", "etl/load", State.running))) == Transition(
        State.error, "no run of etl/load date=2026-11-21 in success"
    )
    assert cond.check(ME, View(make_run("r2", "etl/load", State.success))) is Verdict.PASS


def test_dependency_exist_is_satisfied_by_any_one_run_in_the_exist_states() -> None:
    view = View(make_run("r2", "etl/load", State.failure), make_run("r3", "etl/load", State.new))
    assert dep(exist=True).check(ME, view) is Verdict.WAIT


# What `exist: true` means for `states: [success]`, from each state of the only run.
SUCCESS_REACHABLE_FROM = {
    State.new: Verdict.WAIT,
    State.scheduled: Verdict.WAIT,
    State.waiting: Verdict.WAIT,
    State.starting: Verdict.WAIT,
    State.running: Verdict.WAIT,
    State.stopping: Verdict.WAIT,
    State.success: Verdict.PASS,
    State.failure: State.error,
    State.error: State.error,
    State.skipped: State.error,
}


@pytest.mark.parametrize("state", list(State))
def test_dependency_exist_true_from_every_state(state: State) -> None:
    outcome = dep(exist=True).check(ME, View(make_run("r2", "etl/load", state)))
    expected = SUCCESS_REACHABLE_FROM[state]
    if isinstance(expected, Verdict):
        assert outcome is expected
    else:
        assert isinstance(outcome, Transition) and outcome.state is expected


def test_states_reaching_success_are_the_unfinished_states_and_success() -> None:
    assert states_reaching(frozenset({State.success})) == UNFINISHED | {State.success}


def test_states_reaching_error_include_skipped() -> None:
    # skipped → error is allowed, so a skipped run may still become the error awaited.
    assert states_reaching(frozenset({State.error})) == UNFINISHED | {State.error, State.skipped}


def test_states_reaching_skipped_are_only_the_states_before_starting() -> None:
    assert states_reaching(frozenset({State.skipped})) == {
        State.new,
        State.scheduled,
        State.waiting,
        State.skipped,
    }


def test_states_reaching_running_exclude_stopping_and_finished() -> None:
    assert states_reaching(frozenset({State.running})) == {
        State.new,
        State.scheduled,
        State.waiting,
        State.starting,
        State.running,
    }


def test_no_finished_state_reaches_success_or_failure() -> None:
    # Marking a finished run is an operator's act, not a transition: a failed run
    # does not count as one that may still succeed.
    for target in (State.success, State.failure):
        assert states_reaching(frozenset({target})) & FINISHED == {target}


def test_exist_states_of_a_list_are_the_list() -> None:
    assert dep(exist=["success", "running"]).exist_states() == frozenset(
        {State.success, State.running}
    )
    assert dep().exist_states() is None


def test_dependency_wakes_on_its_target_instance() -> None:
    assert list(dep().wake_keys(ME)) == [inst_key("etl/load", DATE)]


def test_resolve_inherits_shared_params_from_the_waiting_run() -> None:
    cond = Dependency(job_id="etl/load", args={"region": "eu"})
    params = {"etl/load": ["date", "region"]}
    resolved = cond.resolve({"date": "2026-11-21", "region": "us", "n": "3"}, params.__getitem__)
    assert resolved.args == {"date": "2026-11-21", "region": "eu"}
    assert cond.args == {"region": "eu"}  # a copy; the job's condition is untouched


def test_resolve_errors_on_a_param_with_no_value() -> None:
    cond = Dependency(job_id="etl/load")
    with pytest.raises(BindError) as info:
        cond.resolve({"date": "2026-11-21"}, lambda job_id: ["date", "region"])
    assert info.value.message == "no value for param 'region' of job 'etl/load'"


def test_resolve_errors_on_an_arg_the_other_job_lacks() -> None:
    cond = Dependency(job_id="etl/load", args={"colour": "red"})
    with pytest.raises(BindError) as info:
        cond.resolve({}, lambda job_id: [])
    assert info.value.message == "args.colour: not a param of job 'etl/load'"


def test_other_conditions_resolve_to_themselves() -> None:
    cond = MaxRunning(count=2)
    assert cond.resolve(DATE, lambda job_id: []) is cond


# --- max_running -----------------------------------------------------------------------


def test_max_running_passes_below_the_count() -> None:
    view = View(ME, make_run("r2", state=State.running))
    assert MaxRunning(count=2).check(ME, view) is Verdict.PASS
    assert MaxRunning(count=1).check(ME, view) is Verdict.WAIT


def test_max_running_counts_starting_and_running_only() -> None:
    others = [make_run(f"r{n}", state=s) for n, s in enumerate(State, 2) if s is not State.starting]
    view = View(ME, *others)  # one running; the rest waiting, stopping, finished, …
    assert MaxRunning(count=2).check(ME, view) is Verdict.PASS
    view.runs.append(make_run("r20", state=State.starting))
    assert MaxRunning(count=2).check(ME, view) is Verdict.WAIT


def test_max_running_never_counts_the_run_itself() -> None:
    # The engine may check a run it has just moved on; it is not its own obstacle.
    me = make_run("r1", state=State.starting)
    assert MaxRunning().check(me, View(me)) is Verdict.PASS


def test_max_running_counts_only_the_same_args() -> None:
    view = View(make_run("r2", state=State.running, date="2026-11-20"))
    assert MaxRunning().check(ME, view) is Verdict.PASS


def test_max_running_of_another_job_counts_its_runs_with_these_args() -> None:
    cond = MaxRunning(job_id="shared/load")
    assert cond.check(ME, View(make_run("r2", state=State.running))) is Verdict.PASS
    assert cond.check(ME, View(make_run("r2", "shared/load", State.running))) is Verdict.WAIT
    assert list(cond.wake_keys(ME)) == [inst_key("shared/load", DATE)]


def test_max_running_wakes_on_its_own_instance() -> None:
    assert list(MaxRunning().wake_keys(ME)) == [inst_key("j", DATE)]


def test_max_running_with_an_unbound_count_cannot_be_checked() -> None:
    with pytest.raises(ValueError, match="is not a positive integer"):
        MaxRunning(count="{{ n }}").check(ME, View())


# --- skip_duplicate --------------------------------------------------------------------


def test_skip_duplicate_passes_when_alone() -> None:
    assert SkipDuplicate().check(ME, View(ME)) is Verdict.PASS


def test_skip_duplicate_skips_when_another_run_is_active() -> None:
    view = View(ME, make_run("r12", state=State.running))
    assert SkipDuplicate().check(ME, view) == Transition(State.skipped, "r12 is running")


def test_skip_duplicate_may_send_the_run_to_error() -> None:
    cond = SkipDuplicate(target_state=State.error)
    view = View(ME, make_run("r12", state=State.waiting))
    assert cond.check(ME, view) == Transition(State.error, "r12 is waiting")


@pytest.mark.parametrize("state", list(State))
def test_skip_duplicate_looks_only_at_check_states(state: State) -> None:
    view = View(ME, make_run("r12", state=state))
    outcome = SkipDuplicate().check(ME, view)
    if state in (State.waiting, State.starting, State.running):
        assert outcome == Transition(State.skipped, f"r12 is {state}")
    else:
        assert outcome is Verdict.PASS


def test_skip_duplicate_ignores_other_instances() -> None:
    view = View(
        ME, make_run("r2", state=State.running, date="x"), make_run("r3", "k", State.running)
    )
    assert SkipDuplicate().check(ME, view) is Verdict.PASS


def test_skip_duplicate_wakes_on_its_own_instance() -> None:
    assert list(SkipDuplicate().wake_keys(ME)) == [inst_key("j", DATE)]


# --- const, resource, poll -------------------------------------------------------------


def test_const_passes_or_waits_and_never_wakes() -> None:
    assert Const(value=True).check(ME, View()) is Verdict.PASS
    assert Const(value=False).check(ME, View()) is Verdict.WAIT
    assert list(Const(value=False).wake_keys(ME)) == []


def test_resource_passes_while_fewer_than_count_hold_it() -> None:
    cond = Resource(name="warehouse", count=2)
    assert cond.check(ME, View(holding={"warehouse": 1, "other": 5})) is Verdict.PASS
    assert cond.check(ME, View(holding={"warehouse": 2})) is Verdict.WAIT
    assert list(cond.wake_keys(ME)) == [resource_key("warehouse")]


def test_held_resources_are_the_runs_resource_names_once_each() -> None:
    run = make_run("r1")
    run.conds = (
        Resource(name="db-eu"),
        MaxRunning(),
        Resource(name="warehouse", count=3),
        Resource(name="db-eu", count=2),
    )
    assert held_resources(run) == ["db-eu", "warehouse"]
    assert held_resources(make_run("r2")) == []


def test_poll_waits_for_its_poll_and_says_how_often() -> None:
    cond = Poll(command="true", interval=5.0)
    assert cond.check(ME, View()) is Verdict.WAIT
    assert cond.poll_interval() == 5.0
    assert Dependency(job_id="x").poll_interval() is None
