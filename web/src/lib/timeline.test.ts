import { describe, expect, it } from "vitest";

import {
  compareRunIds,
  formatSpan,
  layoutTimeline,
  runInterval,
  shiftWindow,
  timeTicks,
  windowAround,
  windowFocus,
  type RunLike,
} from "./timeline";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const H = 3600_000;
const iso = (t: number) => new Date(t).toISOString();

function run(
  run_id: string,
  job_id: string,
  state: string,
  times: Record<string, number>,
): RunLike {
  return {
    run_id,
    job_id,
    state,
    times: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, iso(v)])),
  };
}

describe("windows", () => {
  it("puts the focus three quarters in", () => {
    const w = windowAround(T0, 4 * H);
    expect(w).toEqual({ start: T0 - 3 * H, end: T0 + H });
    expect(windowFocus(w)).toBe(T0);
  });

  it("shifts by half spans", () => {
    const w = windowAround(T0, 4 * H);
    expect(shiftWindow(w, -1)).toEqual({ start: T0 - 5 * H, end: T0 - H });
    expect(shiftWindow(shiftWindow(w, -1), 1)).toEqual(w);
  });

  it("formats spans", () => {
    expect(formatSpan(6 * 3600)).toBe("6h");
    expect(formatSpan(86400 * 2)).toBe("2d");
    expect(formatSpan(90 * 60)).toBe("90m");
    expect(formatSpan(45)).toBe("45s");
  });
});

describe("runInterval", () => {
  const now = T0 + 10 * H;

  it("spans a finished run from its start to its end", () => {
    const r = run("r1", "a", "success", {
      schedule: T0, starting: T0 + 1000, running: T0 + 2000, success: T0 + H,
    });
    expect(runInterval(r, now)).toEqual({ start: T0 + 1000, end: T0 + H, open: false });
  });

  it("includes waiting time", () => {
    const r = run("r1", "a", "failure", {
      schedule: T0, waiting: T0, starting: T0 + H, running: T0 + H, failure: T0 + 2 * H,
    });
    expect(runInterval(r, now)).toMatchObject({ start: T0, end: T0 + 2 * H });
  });

  it("ends a marked run at its first finished time", () => {
    const r = run("r1", "a", "success", {
      schedule: T0, running: T0, failure: T0 + H, success: T0 + 5 * H,
    });
    expect(runInterval(r, now)?.end).toBe(T0 + H);
  });

  it("grows a run under way with the clock", () => {
    const r = run("r1", "a", "running", { schedule: T0, starting: T0, running: T0 });
    expect(runInterval(r, now)).toEqual({ start: T0, end: now, open: true });
  });

  it("makes a scheduled run an instant at its schedule time", () => {
    const r = run("r1", "a", "scheduled", { schedule: T0 + 20 * H });
    expect(runInterval(r, now)).toEqual({ start: T0 + 20 * H, end: T0 + 20 * H, open: false });
  });

  it("makes a skipped run an instant", () => {
    const r = run("r1", "a", "skipped", { schedule: T0, skipped: T0 });
    expect(runInterval(r, now)).toEqual({ start: T0, end: T0, open: false });
  });

  it("gives up on a run without times", () => {
    expect(runInterval({ run_id: "r1", job_id: "a", state: "new", times: {} }, now)).toBeNull();
  });
});

describe("layoutTimeline", () => {
  const window = { start: T0, end: T0 + 10 * H };
  const now = T0 + 5 * H;

  it("groups by job, sorted, and places bars as fractions", () => {
    const rows = layoutTimeline(
      [
        run("r2", "b", "success", { schedule: T0 + H, running: T0 + H, success: T0 + 2 * H }),
        run("r1", "a", "running", { schedule: T0 + 4 * H, running: T0 + 4 * H }),
      ],
      window,
      now,
    );
    expect(rows.map((r) => r.jobId)).toEqual(["a", "b"]);
    expect(rows[0].bars[0]).toMatchObject({ x0: 0.4, x1: 0.5, lane: 0 });
    expect(rows[1].bars[0]).toMatchObject({ x0: 0.1, x1: 0.2, lane: 0 });
  });

  it("drops runs outside the window and clips those across its edges", () => {
    const rows = layoutTimeline(
      [
        run("r1", "a", "success", { schedule: T0 - 3 * H, running: T0 - 3 * H, success: T0 - H }),
        run("r2", "a", "success", { schedule: T0 - H, running: T0 - H, success: T0 + H }),
        run("r3", "a", "scheduled", { schedule: T0 + 12 * H }),
        run("r4", "a", "running", { schedule: T0 + 9 * H, running: T0 + 9 * H }),
      ],
      window,
      T0 + 11 * H,
    );
    expect(rows).toHaveLength(1);
    const [clippedLeft, clippedRight] = rows[0].bars;
    expect(clippedLeft.run.run_id).toBe("r2");
    expect(clippedLeft).toMatchObject({ x0: 0, clippedStart: true, clippedEnd: false });
    expect(clippedLeft.x1).toBeCloseTo(0.1);
    expect(clippedRight.run.run_id).toBe("r4");
    expect(clippedRight).toMatchObject({ x1: 1, clippedEnd: true });
  });

  it("stacks overlapping runs of one job in lanes, reusing free lanes", () => {
    const rows = layoutTimeline(
      [
        run("r1", "a", "success", { schedule: T0, running: T0, success: T0 + 3 * H }),
        run("r2", "a", "success", { schedule: T0 + H, running: T0 + H, success: T0 + 2 * H }),
        run("r3", "a", "success", { schedule: T0 + 4 * H, running: T0 + 4 * H, success: T0 + 5 * H }),
      ],
      window,
      now,
    );
    expect(rows[0].lanes).toBe(2);
    expect(rows[0].bars.map((b) => [b.run.run_id, b.lane])).toEqual([
      ["r1", 0],
      ["r2", 1],
      ["r3", 0],
    ]);
  });

  it("keeps instants apart with a minimum width", () => {
    const runs = [
      run("r1", "a", "scheduled", { schedule: T0 + H }),
      run("r2", "a", "scheduled", { schedule: T0 + H + 1000 }),
    ];
    expect(layoutTimeline(runs, window, now)[0].lanes).toBe(1);
    expect(layoutTimeline(runs, window, now, 0.01)[0].lanes).toBe(2);
  });

  it("is empty for an empty window", () => {
    expect(layoutTimeline([run("r1", "a", "scheduled", { schedule: T0 })], { start: T0, end: T0 }, T0)).toEqual([]);
  });
});

describe("timeTicks", () => {
  it("picks a step giving at most the asked number of ticks, aligned in UTC", () => {
    const { step, ticks } = timeTicks({ start: T0 + 10 * 60_000, end: T0 + 6 * H }, () => 0);
    expect(step).toBe(H);
    expect(ticks.map(iso)).toEqual([1, 2, 3, 4, 5, 6].map((h) => iso(T0 + h * H)));
  });

  it("aligns to local wall time in a zone with an offset", () => {
    // UTC+05:30: local whole hours fall at :30 UTC.
    const { ticks } = timeTicks({ start: T0, end: T0 + 4 * H }, () => 330, 4);
    expect(ticks.map(iso)).toEqual([0.5, 1.5, 2.5, 3.5].map((h) => iso(T0 + h * H)));
  });

  it("aligns day ticks to local midnight", () => {
    const { step, ticks } = timeTicks({ start: T0, end: T0 + 7 * 24 * H }, () => 540, 8);
    expect(step).toBe(24 * H);
    // Tokyo midnight is 15:00 UTC.
    expect(iso(ticks[0])).toBe("2026-03-01T15:00:00.000Z");
  });
});

describe("compareRunIds", () => {
  it("orders by number", () => {
    expect(["r10", "r9", "r100"].sort(compareRunIds)).toEqual(["r9", "r10", "r100"]);
  });
});
