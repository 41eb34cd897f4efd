import { describe, expect, it } from "vitest";

import type { RunSummary, State } from "@/api";
import {
  compareNewestFirst,
  elapsedSeconds,
  groupRepeated,
  isLate,
  isOverdue,
  isStale,
  markTargets,
  operationsFor,
} from "@/lib/runs";

let next = 1;
function run(state: State, schedule: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: `r${next++}`,
    job_id: "job",
    args: {},
    state,
    times: { schedule: `2026-01-01T${schedule}:00Z` },
    labels: [],
    ...overrides,
  };
}

const ids = (items: { run: RunSummary }[]) => items.map((item) => item.run.run_id);

describe("groupRepeated", () => {
  it("folds finished runs of an instance into the latest", () => {
    const [a, b, c] = [run("success", "10:00"), run("failure", "09:00"), run("success", "08:00")];
    const grouped = groupRepeated([a, b, c]);
    expect(ids(grouped)).toEqual([a.run_id]);
    expect(grouped[0].hidden).toBe(2);
  });

  it("never folds a skipped run with one that ran", () => {
    const skipped = run("skipped", "11:00");
    const older = run("skipped", "10:30");
    const done = run("success", "10:00");
    const grouped = groupRepeated([skipped, older, done]);
    expect(ids(grouped)).toEqual([skipped.run_id, done.run_id]);
    expect(grouped.map((item) => item.hidden)).toEqual([1, 0]);
  });

  it("keeps instances with other args apart", () => {
    const eu = run("success", "10:00", { args: { region: "eu" } });
    const us = run("success", "09:00", { args: { region: "us" } });
    const eu2 = run("success", "08:00", { args: { region: "eu" } });
    expect(ids(groupRepeated([eu, us, eu2]))).toEqual([eu.run_id, us.run_id]);
  });

  it("folds scheduled runs into the earliest, and never folds running ones", () => {
    const later = run("scheduled", "12:00");
    const sooner = run("scheduled", "11:00");
    const running1 = run("running", "10:00");
    const running2 = run("running", "09:30");
    const done = run("success", "09:00");
    const grouped = groupRepeated([later, sooner, running1, running2, done]);
    expect(ids(grouped)).toEqual([sooner.run_id, running1.run_id, running2.run_id, done.run_id]);
    expect(grouped[0].hidden).toBe(1);
  });

  it("orders runs of one time by run number", () => {
    const a = run("success", "10:00", { job_id: "a" });
    const b = run("success", "10:00", { job_id: "b" });
    expect(compareNewestFirst(a, b)).toBeGreaterThan(0);
  });
});

describe("operations", () => {
  it("follows SPEC §2", () => {
    expect(operationsFor("scheduled")).toEqual(["start", "skip"]);
    expect(operationsFor("waiting")).toEqual(["start", "skip"]);
    expect(operationsFor("running")).toEqual(["stop", "signal"]);
    expect(operationsFor("stopping")).toEqual(["signal"]);
    expect(operationsFor("failure")).toEqual(["rerun", "mark"]);
    expect(operationsFor("starting")).toEqual([]);
    expect(markTargets("failure")).toEqual(["success", "error", "skipped"]);
  });
});

describe("late, overdue, elapsed, stale", () => {
  const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);

  it("marks a run not started a minute after its time as late", () => {
    const r = run("scheduled", "10:00");
    expect(isLate(r, at("10:00:30"))).toBe(false);
    expect(isLate(r, at("10:01:30"))).toBe(true);
    expect(isLate({ ...r, state: "running" }, at("10:05:00"))).toBe(false);
  });

  it("marks a run still running past its stop as overdue", () => {
    const r = run("running", "10:00", { times: { schedule: "2026-01-01T10:00:00Z", stop: "2026-01-01T11:00:00Z" } });
    expect(isOverdue(r, at("10:59:00"))).toBe(false);
    expect(isOverdue(r, at("11:00:01"))).toBe(true);
  });

  it("ticks while running and stops at the end", () => {
    const times = { schedule: "2026-01-01T10:00:00Z", running: "2026-01-01T10:00:01Z" };
    expect(elapsedSeconds(run("running", "10:00", { times }), at("10:00:11"))).toBe(10);
    const done = { ...times, success: "2026-01-01T10:00:04Z" };
    expect(elapsedSeconds(run("success", "10:00", { times: done }), at("12:00:00"))).toBe(3);
    expect(elapsedSeconds(run("scheduled", "10:00"), at("12:00:00"))).toBeNull();
  });

  it("knows an event the page has already shown", () => {
    const shown = run("success", "10:00", {
      times: { schedule: "2026-01-01T10:00:00Z", running: "2026-01-01T10:00:01Z", success: "2026-01-01T10:00:02Z" },
    });
    const older = { ...shown, state: "running" as State, times: { schedule: shown.times.schedule, running: shown.times.running } };
    expect(isStale(older, shown)).toBe(true);
    expect(isStale(shown, older)).toBe(false);
  });
});
