/**
 * The timeline's model (SPEC §9.2 [beyond]): a window of time, each run as an interval
 * in it, runs grouped in rows by job and stacked in lanes where they overlap, and
 * axis ticks aligned in the selected time zone.
 *
 * Times are milliseconds since the epoch throughout; positions are fractions of the
 * window (0 = its start, 1 = its end), so the view scales them to any width.
 */

export interface RunLike {
  run_id: string;
  job_id: string;
  state: string;
  times: Record<string, string | undefined>;
}

export interface TimeWindow {
  start: number;
  end: number;
}

const FINISHED = ["success", "failure", "error", "skipped"];
/** States whose runs are under way: their bars grow with the clock. */
const ACTIVE = ["waiting", "starting", "running", "stopping"];

/** Where in the window its focus time sits: most of the window shows the past. */
export const FOCUS_AT = 0.75;

/** The window of `spanMs` around `at` (three quarters before it, a quarter after). */
export function windowAround(at: number, spanMs: number): TimeWindow {
  const start = Math.round(at - spanMs * FOCUS_AT);
  return { start, end: start + spanMs };
}

/** The focus time of a window (inverse of `windowAround`). */
export function windowFocus(window: TimeWindow): number {
  return Math.round(window.start + (window.end - window.start) * FOCUS_AT);
}

/** The window moved by `steps` halves of its span (negative: earlier). */
export function shiftWindow(window: TimeWindow, steps: number): TimeWindow {
  const delta = Math.round(((window.end - window.start) / 2) * steps);
  return { start: window.start + delta, end: window.end + delta };
}

function ms(text: string | undefined): number | null {
  if (!text) return null;
  const value = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(value) ? null : value;
}

export interface Interval {
  start: number;
  end: number;
  /** True when the end is the clock (the run is under way). */
  open: boolean;
}

/**
 * The time a run occupies: from when it began waiting or starting (its schedule time
 * if neither happened yet) to when it finished; a run under way ends now, and a run
 * still scheduled is the instant of its schedule time.
 */
export function runInterval(run: RunLike, now: number): Interval | null {
  const times = run.times;
  const schedule = ms(times.schedule);
  const began = [times.waiting, times.starting, times.running]
    .map(ms)
    .filter((t): t is number => t !== null);
  const start = began.length > 0 ? Math.min(...began) : schedule;
  if (start === null) return null;
  if (FINISHED.includes(run.state)) {
    // A marked run has several finished times; it ended at the first.
    const ends = FINISHED.map((state) => ms(times[state])).filter((t): t is number => t !== null);
    const end = ends.length > 0 ? Math.min(...ends) : start;
    return { start, end: Math.max(start, end), open: false };
  }
  if (ACTIVE.includes(run.state)) return { start, end: Math.max(start, now), open: true };
  return { start, end: start, open: false };
}

export interface Bar<R extends RunLike> {
  run: R;
  /** Fractions of the window, clipped to [0, 1]. */
  x0: number;
  x1: number;
  /** The run extends beyond the window's start / end. */
  clippedStart: boolean;
  clippedEnd: boolean;
  lane: number;
  interval: Interval;
}

export interface TimelineRow<R extends RunLike> {
  jobId: string;
  lanes: number;
  bars: Bar<R>[];
}

/**
 * The rows of the runs that overlap the window, one per job (sorted by job ID), each
 * with its bars in start order and the fewest lanes in which no two bars overlap.
 * `minFraction` is the least width a bar is given when placing lanes, so that
 * instants that the view draws with a minimum width do not hide each other.
 */
export function layoutTimeline<R extends RunLike>(
  runs: Iterable<R>,
  window: TimeWindow,
  now: number,
  minFraction = 0,
): TimelineRow<R>[] {
  const span = window.end - window.start;
  if (!(span > 0)) return [];
  const byJob = new Map<string, { run: R; interval: Interval }[]>();
  for (const run of runs) {
    const interval = runInterval(run, now);
    if (interval === null) continue;
    if (interval.end < window.start || interval.start > window.end) continue;
    let list = byJob.get(run.job_id);
    if (list === undefined) byJob.set(run.job_id, (list = []));
    list.push({ run, interval });
  }
  const rows: TimelineRow<R>[] = [];
  for (const jobId of [...byJob.keys()].sort()) {
    const entries = byJob.get(jobId)!;
    entries.sort(
      (a, b) => a.interval.start - b.interval.start || compareRunIds(a.run.run_id, b.run.run_id),
    );
    const laneEnds: number[] = [];
    const bars = entries.map(({ run, interval }) => {
      const x0 = Math.max(0, (interval.start - window.start) / span);
      const x1 = Math.min(1, (interval.end - window.start) / span);
      const occupied = Math.max(x1, x0 + minFraction);
      let lane = laneEnds.findIndex((end) => end < x0);
      if (lane === -1) lane = laneEnds.push(occupied) - 1;
      else laneEnds[lane] = occupied;
      return {
        run,
        x0,
        x1,
        clippedStart: interval.start < window.start,
        clippedEnd: interval.end > window.end,
        lane,
        interval,
      };
    });
    rows.push({ jobId, lanes: Math.max(1, laneEnds.length), bars });
  }
  return rows;
}

/** Run IDs in number order (`r9` before `r10`). */
export function compareRunIds(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || (a < b ? -1 : a > b ? 1 : 0);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

/**
 * Axis ticks: the smallest step from a fixed list that gives at most `maxTicks`, at
 * the instants that are multiples of the step in local wall time (midnight, whole
 * hours, ...) of the zone whose UTC offset at an instant is `offsetMinutes(t)`.
 */
export function timeTicks(
  window: TimeWindow,
  offsetMinutes: (t: number) => number,
  maxTicks = 8,
): { step: number; ticks: number[] } {
  const span = window.end - window.start;
  const step = TICK_STEPS.find((s) => span / s <= maxTicks) ?? TICK_STEPS[TICK_STEPS.length - 1];
  const ticks: number[] = [];
  if (!(span > 0)) return { step, ticks };
  // Work in local wall time (epoch ms shifted by the offset), aligned to the step.
  const offsetAt = (t: number) => offsetMinutes(t) * MINUTE;
  let local = Math.ceil((window.start + offsetAt(window.start)) / step) * step;
  for (let guard = 0; guard < maxTicks * 3 + 4; guard++) {
    // A wall time maps back with the offset in force around it.
    const t = local - offsetAt(local - offsetAt(local));
    if (t > window.end) break;
    if (t >= window.start && (ticks.length === 0 || t > ticks[ticks.length - 1])) ticks.push(t);
    local += step;
  }
  return { step, ticks };
}

/** The window span as written in URLs: `6h`, `90m`, `2d`. */
export function formatSpan(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Spans offered in the page's selector, in seconds. */
export const SPANS = [3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400];
export const DEFAULT_SPAN = 6 * 3600;
