/**
 * Upcoming runs: what the jobs' schedules will create (GET /schedule), shown beside the
 * real runs. The service creates a scheduled run only when its time comes, so GET
 * /runs holds no future but runs scheduled by hand; views ask for the upcoming ones
 * separately, keep them in a list of their own (capped by the API's `limit`) and
 * merge them with the runs only at display time, so the paging over real runs is
 * untouched.
 *
 * - `scheduleQuery` turns the Runs filter and a time window into GET /schedule's
 *   query (job prefix and labels go to the service);
 * - `matchesUpcoming` applies the rest of the filter (args, keywords, states);
 * - `dropCreated` drops those that have become real runs meanwhile;
 * - `foldUpcoming` folds repeated ones as `groupRepeated` folds scheduled runs;
 * - `mergeRows` interleaves them with the (grouped) runs, newest first;
 * - `upcomingMarks` makes them timeline items.
 */

import type { Args, RunSummary, ScheduleQuery, UpcomingRun } from "@/api";
import type { RunFilter } from "@/lib/filter";
import { scheduleMs, type GroupedRun } from "@/lib/runs";
import { parseApiTime, toApiTime } from "@/lib/time";

/** Upcoming runs a view holds at most (the API's `limit`). */
export const UPCOMING_LIMIT = 1000;

/** An upcoming run as a row of the runs table. */
export interface UpcomingRow {
  upcoming: UpcomingRun;
  /** How many other upcoming runs of its instance it stands for (0 when alone). */
  hidden: number;
  /** Unique among the rows: job, args and time. */
  key: string;
  /** Its time, in ms since the epoch. */
  ms: number;
}

/** A row of the runs table: a run (or a group of runs), or an upcoming run. */
export type TableRow = GroupedRun | UpcomingRow;

export function isUpcomingRow(row: TableRow): row is UpcomingRow {
  return "upcoming" in row;
}

/** A key unique among the rows of a table. */
export function rowKey(row: TableRow): string {
  return isUpcomingRow(row) ? row.key : row.run.run_id;
}

function sortedArgs(args: Args): [string, string][] {
  return Object.keys(args)
    .sort()
    .map((name) => [name, args[name]]);
}

/** Job, args and time: what identifies a run a schedule makes. */
function identity(jobId: string, args: Args, ms: number): string {
  return JSON.stringify([jobId, sortedArgs(args), ms]);
}

export function upcomingMs(item: UpcomingRun): number {
  return parseApiTime(item.time)?.getTime() ?? 0;
}

export function upcomingKey(item: UpcomingRun): string {
  return identity(item.job_id, item.args, upcomingMs(item));
}

/** Whether the filter lets upcoming runs through: they are runs to be scheduled, so
 * `state:` terms must include `scheduled`. */
export function filterShowsUpcoming(filter: RunFilter): boolean {
  return filter.states.length === 0 || filter.states.includes("scheduled");
}

/**
 * GET /schedule's query for the window [lower, upper] (ms, both inclusive, as the
 * runs table's): the service starts at its own now when `lower` is earlier, and `end`
 * is exclusive. Null when nothing upcoming can be in the window: it is over, or the
 * filter excludes upcoming runs.
 */
export function scheduleQuery(
  filter: RunFilter,
  lower: number,
  upper: number,
  nowMs: number,
  limit = UPCOMING_LIMIT,
): ScheduleQuery | null {
  if (!filterShowsUpcoming(filter) || upper < nowMs || upper < lower) return null;
  const q: ScheduleQuery = {
    start: toApiTime(new Date(lower)),
    end: toApiTime(new Date(upper + 1)),
    limit,
  };
  if (filter.job) q.job_prefix = filter.job;
  if (filter.labels.length) q.labels = [...filter.labels];
  return q;
}

/** Whether an upcoming run matches the filter (and belongs to `jobId`, if given). */
export function matchesUpcoming(filter: RunFilter, item: UpcomingRun, jobId?: string): boolean {
  if (jobId !== undefined && item.job_id !== jobId) return false;
  if (filter.job && !item.job_id.startsWith(filter.job)) return false;
  if (!filterShowsUpcoming(filter)) return false;
  for (const [name, value] of Object.entries(filter.args)) if (item.args[name] !== value) return false;
  const lowerId = item.job_id.toLowerCase();
  // A keyword may also be a run ID, which an upcoming run does not have yet.
  return filter.keywords.every((keyword) => lowerId.includes(keyword.toLowerCase()));
}

/**
 * The upcoming runs that no run of `runs` stands for yet: once a schedule time comes,
 * the service creates the run (same job, args and schedule time), and the feed brings
 * it before the upcoming list is refreshed. `newestFirst` says `runs` is in that
 * order, so only its runs from the earliest upcoming time on are looked at.
 */
export function dropCreated(
  items: readonly UpcomingRun[],
  runs: Iterable<RunSummary>,
  newestFirst = false,
): UpcomingRun[] {
  if (items.length === 0) return [];
  const earliest = Math.min(...items.map(upcomingMs));
  const created = new Set<string>();
  for (const run of runs) {
    const ms = scheduleMs(run);
    if (ms < earliest) {
      if (newestFirst) break;
      continue;
    }
    created.add(identity(run.job_id, run.args, ms));
  }
  if (created.size === 0) return [...items];
  return items.filter((item) => !created.has(upcomingKey(item)));
}

/** Each upcoming run as a row of its own. */
export function upcomingRows(items: readonly UpcomingRun[]): UpcomingRow[] {
  return items.map((upcoming) => ({ upcoming, hidden: 0, key: upcomingKey(upcoming), ms: upcomingMs(upcoming) }));
}

/**
 * Fold the upcoming runs of one instance (job and args) into one row, as
 * `groupRepeated` folds scheduled runs: the earliest stands for the others.
 */
export function foldUpcoming(items: readonly UpcomingRun[]): UpcomingRow[] {
  const groups = new Map<string, UpcomingRow>();
  for (const row of upcomingRows(items)) {
    const instance = JSON.stringify([row.upcoming.job_id, sortedArgs(row.upcoming.args)]);
    const group = groups.get(instance);
    if (group === undefined) {
      groups.set(instance, row);
    } else if (row.ms < group.ms) {
      groups.set(instance, { ...row, hidden: group.hidden + 1 });
    } else {
      group.hidden += 1;
    }
  }
  return [...groups.values()];
}

/**
 * The table's rows: `runs` (newest first, as loaded) with the upcoming rows in their
 * places, newest first; an upcoming row goes after the runs of the same time.
 * `oldestMs` is the schedule time of the oldest run loaded while older ones are still
 * to come (null when every run of the window is loaded): an upcoming row older than it
 * waits for the runs around it, so that none is shown out of place.
 */
export function mergeRows(
  runs: readonly GroupedRun[],
  upcoming: readonly UpcomingRow[],
  oldestMs: number | null,
): TableRow[] {
  const eligible = upcoming
    .filter((row) => oldestMs === null || row.ms >= oldestMs)
    .sort((a, b) => b.ms - a.ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (eligible.length === 0) return runs as TableRow[];
  const out: TableRow[] = [];
  let next = 0;
  for (const row of runs) {
    const ms = scheduleMs(row.run);
    while (next < eligible.length && eligible[next].ms > ms) out.push(eligible[next++]);
    out.push(row);
  }
  while (next < eligible.length) out.push(eligible[next++]);
  return out;
}

/** An upcoming run as a timeline item: an instant at its time, in its job's row. */
export interface UpcomingMark {
  run_id: string;
  job_id: string;
  state: "upcoming";
  args: Args;
  times: { schedule: string };
  upcoming: UpcomingRun;
}

export function upcomingMarks(items: readonly UpcomingRun[]): UpcomingMark[] {
  return items.map((item) => ({
    run_id: `upcoming ${upcomingKey(item)}`,
    job_id: item.job_id,
    state: "upcoming",
    args: item.args,
    times: { schedule: item.time },
    upcoming: item,
  }));
}
