/**
 * Pure helpers about runs: ordering, grouping repeated runs, which operations a state
 * allows (SPEC §2), late and overdue, and merging the live feed into a loaded list.
 */

import { FINISHED_STATES, type Operation, type RunSummary, type State } from "@/api";
import { parseApiTime } from "@/lib/time";

/** The run number of `r123`: 123. */
export function runNumber(runId: string): number {
  return Number(runId.slice(1)) || 0;
}

/** Milliseconds of the run's schedule time (0 if it has none). */
export function scheduleMs(run: RunSummary): number {
  return parseApiTime(run.times.schedule)?.getTime() ?? 0;
}

/** The API's page order: schedule time, then run number, newest first. */
export function compareNewestFirst(a: RunSummary, b: RunSummary): number {
  return scheduleMs(b) - scheduleMs(a) || runNumber(b.run_id) - runNumber(a.run_id);
}

export function isFinished(state: State): boolean {
  return FINISHED_STATES.includes(state);
}

/** The operations a run in `state` allows (SPEC §2). */
export function operationsFor(state: State): Operation[] {
  switch (state) {
    case "scheduled":
    case "waiting":
      return ["start", "skip"];
    case "running":
      return ["stop", "signal"];
    case "stopping":
      return ["signal"];
    case "success":
    case "failure":
    case "error":
    case "skipped":
      return ["rerun", "mark"];
    default:
      return [];
  }
}

/** The states a finished run may be marked as: the other finished states. */
export function markTargets(state: State): State[] {
  return FINISHED_STATES.filter((target) => target !== state);
}

/** Seconds a run has run (to `nowMs` while it runs), or null before it started. */
export function elapsedSeconds(run: RunSummary, nowMs: number): number | null {
  const start = parseApiTime(run.times.running ?? run.times.starting);
  if (!start) return null;
  let end: number | null = null;
  if (isFinished(run.state)) {
    const ends = FINISHED_STATES.map((s) => parseApiTime(run.times[s])?.getTime() ?? 0);
    end = Math.max(...ends) || null;
  } else if (run.state === "running" || run.state === "stopping") {
    end = nowMs;
  }
  return end === null ? null : Math.max(0, (end - start.getTime()) / 1000);
}

/** Grace before a run that has not started counts as late. */
export const LATE_GRACE_MS = 60_000;

/** Not started yet, though its schedule time passed more than a minute ago. */
export function isLate(run: RunSummary, nowMs: number): boolean {
  if (run.state !== "scheduled" && run.state !== "waiting" && run.state !== "new") return false;
  return scheduleMs(run) + LATE_GRACE_MS < nowMs;
}

/** Still running past its scheduled stop time. */
export function isOverdue(run: RunSummary, nowMs: number): boolean {
  if (run.state !== "running" && run.state !== "stopping") return false;
  const stop = parseApiTime(run.times.stop);
  return stop !== null && stop.getTime() < nowMs;
}

/** The instance key: job ID and args. */
export function instanceKey(run: RunSummary): string {
  const args = Object.keys(run.args)
    .sort()
    .map((name) => [name, run.args[name]]);
  return JSON.stringify([run.job_id, args]);
}

export interface GroupedRun {
  run: RunSummary;
  /** How many other runs of its instance it stands for (0 when alone). */
  hidden: number;
}

/**
 * Fold repeated runs of one instance (job ID and args), as Apsis does: of the runs that
 * ran to an end (success, failure, error) the latest stands for them; of the skipped
 * runs, the latest skipped one (a run that did nothing never hides one that ran, nor
 * the other way round); of the scheduled (and new) runs, the earliest; waiting,
 * starting, running and stopping runs are never folded. `runs` and the result are
 * newest first; a group keeps the position of the run that stands for it.
 */
export function groupRepeated(runs: readonly RunSummary[]): GroupedRun[] {
  const finished = new Map<string, GroupedRun>();
  const skipped = new Map<string, GroupedRun>();
  const scheduled = new Map<string, GroupedRun>();
  const out: GroupedRun[] = [];
  for (const run of runs) {
    const kind =
      run.state === "skipped"
        ? skipped
        : isFinished(run.state)
          ? finished
          : run.state === "scheduled" || run.state === "new"
            ? scheduled
            : null;
    if (kind === null) {
      out.push({ run, hidden: 0 });
      continue;
    }
    const key = instanceKey(run);
    const group = kind.get(key);
    if (group === undefined) {
      const made = { run, hidden: 0 };
      kind.set(key, made);
      out.push(made);
    } else if (kind !== scheduled) {
      group.hidden += 1; // newest first: the first one seen is the latest
    } else {
      group.hidden += 1; // the earliest scheduled comes last: it stands for the group
      group.run = run;
    }
  }
  if (scheduled.size) {
    // A scheduled group took an older run's place: put it back in order.
    out.sort((a, b) => compareNewestFirst(a.run, b.run));
  }
  return out;
}

/**
 * Whether `event` shows the run at or before what `shown` has: a run's times only gain
 * states, so an event whose times are all in `shown` is nothing new.
 */
export function isStale(event: RunSummary, shown: RunSummary): boolean {
  const times = shown.times;
  return Object.entries(event.times).every(([name, time]) => times[name] === time);
}
