import { describe, expect, it } from "vitest";

import {
  describeSchedule,
  describeStop,
  formatDaytime,
  formatDuration,
  formatInstance,
  formatValue,
  keyValues,
  scheduleArgs,
  scheduleEnabled,
} from "./describe";

describe("formatDuration", () => {
  it("writes seconds in the largest units", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(600)).toBe("10m");
    expect(formatDuration(5400)).toBe("1h 30m");
    expect(formatDuration(172800)).toBe("2d");
    expect(formatDuration(1.5)).toBe("1.5s");
    expect(formatDuration(-60)).toBe("-1m");
    expect(formatDuration("x")).toBe("x");
  });
});

describe("describeSchedule", () => {
  it("describes the schedule types the API gives", () => {
    expect(describeSchedule({ type: "interval", interval: 3600, phase: 0 })).toBe("every 1h");
    expect(describeSchedule({ type: "interval", interval: 3600, phase: 600 })).toBe(
      "every 1h, offset 10m",
    );
    expect(
      describeSchedule({
        type: "daily", tz: "UTC", daytime: ["06:00:00"], calendar: "all",
        date_shift: 0, cal_shift: 0, time_shift: 0,
      }),
    ).toBe("daily at 06:00 UTC");
    expect(
      describeSchedule({
        type: "daily", tz: "Europe/Paris", daytime: ["09:00:00", "17:30:15"], calendar: "Mon-Fri",
        date_shift: -1, cal_shift: 0, time_shift: 1800,
      }),
    ).toBe("daily at 09:00, 17:30:15 Europe/Paris on Mon-Fri, shifted -1 day, plus 30m");
    expect(
      describeSchedule({
        type: "daily-interval", tz: "UTC", calendar: "all", interval: 900,
        start: "09:00:00", stop: { daytime: "17:00:00", date_shift: 1 },
      }),
    ).toBe("every 15m from 09:00 to 17:00, shifted 1 day UTC");
    expect(
      describeSchedule(
        { type: "explicit", times: ["2026-01-01T00:00:00Z"] },
        (t) => `<${t}>`,
      ),
    ).toBe("at <2026-01-01T00:00:00Z>");
    expect(describeSchedule({ type: "cron", expr: "*/5 * * * *", tz: "UTC" })).toBe(
      'cron "*/5 * * * *" UTC',
    );
    expect(describeSchedule({ type: "custom.Thing", every: 3, enabled: true })).toBe(
      "custom.Thing every=3",
    );
  });

  it("adds jitter, DST gap handling and stop schedules", () => {
    expect(describeSchedule({ type: "interval", interval: 60, jitter: 30, dst_gap: "skip" })).toBe(
      "every 1m, jitter up to 30s, skipping dates when the time does not exist",
    );
    expect(
      describeSchedule({
        start: { type: "interval", interval: 3600 },
        stop: { type: "duration", duration: 1800 },
      }),
    ).toBe("every 1h; stop after 30m");
    expect(describeStop({ type: "daytime", daytime: "18:00:00", tz: "UTC" })).toBe("stop at 18:00 UTC");
  });

  it("finds args and enabled, inside stop schedules too", () => {
    const entry = { start: { type: "interval", interval: 60, args: { a: "1" }, enabled: false }, stop: {} };
    expect(scheduleArgs(entry)).toEqual({ a: "1" });
    expect(scheduleEnabled(entry)).toBe(false);
    expect(scheduleEnabled({ type: "interval" })).toBe(true);
  });
});

describe("values", () => {
  it("formats nested values and durations by key", () => {
    expect(formatValue("timeout", { duration: 600, signal: "SIGTERM" })).toBe(
      "duration: 10m, signal: SIGTERM",
    );
    expect(formatValue("argv", ["sleep", "60"])).toBe("sleep, 60");
    expect(formatValue("env", {})).toBe("—");
    expect(formatValue("x", null)).toBe("—");
    expect(keyValues({ type: "shell", str: "x", command: "echo", user: "bob" })).toEqual([
      ["command", "echo"],
      ["user", "bob"],
    ]);
  });

  it("writes instances", () => {
    expect(formatInstance("etl/load", { date: "2026-01-01" })).toBe("etl/load(date=2026-01-01)");
    expect(formatInstance("noop", {})).toBe("noop");
  });

  it("trims zero seconds off daytimes", () => {
    expect(formatDaytime("06:00:00")).toBe("06:00");
    expect(formatDaytime("06:00:30")).toBe("06:00:30");
  });
});
