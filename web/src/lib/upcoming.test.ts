import { describe, expect, it } from "vitest";

import type { RunSummary, State, UpcomingRun } from "@/api";
import { parseFilter } from "@/lib/filter";
import { groupRepeated, type GroupedRun } from "@/lib/runs";
import { layoutTimeline } from "@/lib/timeline";
import {
  dropCreated,
  foldUpcoming,
  isUpcomingRow,
  matchesUpcoming,
  mergeRows,
  rowKey,
  scheduleQuery,
  upcomingMarks,
  upcomingRows,
  type TableRow,
} from "@/lib/upcoming";

const at = (hhmm: string) => `2030-01-01T${hhmm}:00Z`;
const ms = (hhmm: string) => Date.parse(at(hhmm));

function upcoming(hhmm: string, jobId = "reports/daily", args: Record<string, string> = { region: "eu" }): UpcomingRun {
  return { job_id: jobId, args, time: at(hhmm) };
}

let next = 1;
function run(state: State, hhmm: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: `r${next++}`,
    job_id: "reports/daily",
    args: { region: "eu" },
    state,
    times: { schedule: at(hhmm) },
    labels: [],
    ...overrides,
  };
}

const alone = (runs: RunSummary[]): GroupedRun[] => runs.map((r) => ({ run: r, hidden: 0 }));
/** Each row as `r12` or `~06:00` (an upcoming row, by its time). */
const shape = (rows: TableRow[]) =>
  rows.map((row) => (isUpcomingRow(row) ? `~${row.upcoming.time.slice(11, 16)}` : row.run.run_id));

describe("scheduleQuery", () => {
  const now = ms("12:00");

  it("asks for the window, end exclusive, with the job prefix and every label", () => {
    const q = scheduleQuery(parseFilter("job:reports/ label:a label:b region=eu word"), ms("10:00"), ms("14:00"), now);
    expect(q).toEqual({
      start: at("10:00"),
      end: "2030-01-01T14:00:00.001Z",
      limit: 1000,
      job_prefix: "reports/",
      labels: ["a", "b"],
    });
  });

  it("asks nothing for a window that is over, or a filter on other states", () => {
    expect(scheduleQuery(parseFilter(""), ms("08:00"), ms("11:59"), now)).toBeNull();
    expect(scheduleQuery(parseFilter("state:failure"), ms("10:00"), ms("14:00"), now)).toBeNull();
    expect(scheduleQuery(parseFilter("state:failure,scheduled"), ms("10:00"), ms("14:00"), now, 5)).toEqual({
      start: at("10:00"),
      end: "2030-01-01T14:00:00.001Z",
      limit: 5,
    });
  });
});

describe("matchesUpcoming", () => {
  const item = upcoming("06:00", "reports/daily", { region: "eu" });

  it("applies job prefix, args, keywords and states", () => {
    expect(matchesUpcoming(parseFilter(""), item)).toBe(true);
    expect(matchesUpcoming(parseFilter("job:reports/ region=eu DAIL"), item)).toBe(true);
    expect(matchesUpcoming(parseFilter("job:etl/"), item)).toBe(false);
    expect(matchesUpcoming(parseFilter("region=us"), item)).toBe(false);
    expect(matchesUpcoming(parseFilter("weekly"), item)).toBe(false);
    // A run ID names a run that exists; an upcoming run has none.
    expect(matchesUpcoming(parseFilter("r12"), item)).toBe(false);
    expect(matchesUpcoming(parseFilter("state:scheduled"), item)).toBe(true);
    expect(matchesUpcoming(parseFilter("state:running"), item)).toBe(false);
  });

  it("keeps only the given job's", () => {
    expect(matchesUpcoming(parseFilter(""), item, "reports/daily")).toBe(true);
    expect(matchesUpcoming(parseFilter(""), item, "reports")).toBe(false);
  });
});

describe("dropCreated", () => {
  it("drops the upcoming runs a run now stands for: same job, args and time", () => {
    const items = [upcoming("06:00"), upcoming("07:30", "reports/daily", { region: "us" }), upcoming("08:00")];
    const created = run("scheduled", "06:00");
    const other = run("scheduled", "07:30", { args: { region: "eu" } });
    expect(dropCreated(items, [other, created])).toEqual([items[1], items[2]]);
    // Newest first, the runs before the earliest upcoming one are not looked at.
    const older = run("success", "05:00", { args: { region: "us" } });
    expect(dropCreated(items, [other, created, older], true)).toEqual([items[1], items[2]]);
    expect(dropCreated([], [created])).toEqual([]);
  });
});

describe("foldUpcoming", () => {
  it("folds an instance's upcoming runs into the earliest", () => {
    const items = [upcoming("06:00"), upcoming("07:30", "reports/daily", { region: "us" }), upcoming("09:00"), upcoming("10:00")];
    const rows = foldUpcoming(items);
    expect(rows.map((row) => [row.upcoming.time, row.hidden])).toEqual([
      [at("06:00"), 2],
      [at("07:30"), 0],
    ]);
  });

  it("keeps each as its own row unfolded", () => {
    const rows = upcomingRows([upcoming("06:00"), upcoming("09:00")]);
    expect(rows.map((row) => row.hidden)).toEqual([0, 0]);
    expect(new Set(rows.map(rowKey)).size).toBe(2);
  });
});

describe("mergeRows", () => {
  const runs = [run("scheduled", "23:00"), run("success", "07:00"), run("success", "05:00")];
  const rows = upcomingRows([upcoming("06:00"), upcoming("07:00", "etl/x", {}), upcoming("09:00"), upcoming("04:00")]);

  it("puts upcoming rows in their places, newest first, after runs of the same time", () => {
    expect(shape(mergeRows(alone(runs), rows, null))).toEqual([
      runs[0].run_id, "~09:00", runs[1].run_id, "~07:00", "~06:00", runs[2].run_id, "~04:00",
    ]);
  });

  it("holds back upcoming rows older than the runs loaded so far", () => {
    expect(shape(mergeRows(alone(runs), rows, ms("05:00")))).toEqual([
      runs[0].run_id, "~09:00", runs[1].run_id, "~07:00", "~06:00", runs[2].run_id,
    ]);
    expect(shape(mergeRows([], rows, null))).toEqual(["~09:00", "~07:00", "~06:00", "~04:00"]);
  });

  it("leaves the runs as they are without upcoming rows", () => {
    const grouped = groupRepeated(runs);
    expect(mergeRows(grouped, [], null)).toBe(grouped);
  });
});

describe("upcomingMarks", () => {
  it("are instants at their time in their job's timeline row", () => {
    const marks = upcomingMarks([upcoming("06:00"), upcoming("07:30", "etl/x", {})]);
    const layout = layoutTimeline(marks, { start: ms("00:00"), end: ms("12:00") }, ms("01:00"));
    expect(layout.map((row) => row.jobId)).toEqual(["etl/x", "reports/daily"]);
    const bar = layout[1].bars[0];
    expect(bar.interval).toEqual({ start: ms("06:00"), end: ms("06:00"), open: false });
    expect(bar.run.upcoming.args).toEqual({ region: "eu" });
  });
});
