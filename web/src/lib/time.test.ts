import { describe, expect, it } from "vitest";

import {
  formatElapsed,
  formatOffset,
  formatTime,
  parseApiTime,
  parseSpan,
  parseUserTime,
  secondsBetween,
  toApiTime,
} from "@/lib/time";

describe("API times", () => {
  it("parses seconds, milliseconds and longer fractions", () => {
    expect(parseApiTime("2030-01-01T03:17:00Z")?.getTime()).toBe(Date.UTC(2030, 0, 1, 3, 17));
    expect(parseApiTime("2030-01-01T03:17:00.123456Z")?.getTime()).toBe(Date.UTC(2030, 0, 1, 3, 17, 0, 123));
    expect(parseApiTime("nonsense")).toBeNull();
    expect(parseApiTime(undefined)).toBeNull();
  });

  it("formats as the API does", () => {
    expect(toApiTime(new Date(Date.UTC(2030, 0, 1, 3, 17)))).toBe("2030-01-01T03:17:00Z");
    expect(toApiTime(new Date(Date.UTC(2030, 0, 1, 3, 17, 0, 5)))).toBe("2030-01-01T03:17:00.005Z");
  });
});

describe("formatTime", () => {
  const time = "2030-01-01T03:17:00Z";

  it("shows the time in the zone", () => {
    expect(formatTime(time, "UTC")).toBe("2030-01-01 03:17:00");
    expect(formatTime(time, "Asia/Tokyo")).toBe("2030-01-01 12:17:00");
    expect(formatTime(time, "America/New_York")).toBe("2029-12-31 22:17:00");
    expect(formatTime(time, "Asia/Tokyo", { seconds: false })).toBe("2030-01-01 12:17");
    expect(formatTime(time, "UTC", { date: false })).toBe("03:17:00");
    expect(formatTime(null, "UTC")).toBe("");
  });

  it("labels offsets", () => {
    const date = new Date(time);
    expect(formatOffset(date, "UTC")).toBe("UTC");
    expect(formatOffset(date, "Asia/Tokyo")).toBe("UTC+09:00");
    expect(formatOffset(date, "Asia/Kolkata")).toBe("UTC+05:30");
    expect(formatOffset(date, "America/New_York")).toBe("UTC-05:00");
  });
});

describe("parseUserTime", () => {
  const now = new Date(Date.UTC(2026, 5, 1, 12));

  it("reads a wall time in the zone", () => {
    expect(parseUserTime("2030-01-01 12:17", "Asia/Tokyo")?.toISOString()).toBe("2030-01-01T03:17:00.000Z");
    expect(parseUserTime("2030-01-01T03:17:05", "UTC")?.toISOString()).toBe("2030-01-01T03:17:05.000Z");
    expect(parseUserTime("2030-07-01", "Europe/London")?.toISOString()).toBe("2030-06-30T23:00:00.000Z");
  });

  it("takes now and times with their own offset", () => {
    expect(parseUserTime(" now ", "Asia/Tokyo", now)).toBe(now);
    expect(parseUserTime("2030-01-01T03:17:00Z", "Asia/Tokyo")?.toISOString()).toBe("2030-01-01T03:17:00.000Z");
    expect(parseUserTime("2030-01-01T12:17:00+09:00", "UTC")?.toISOString()).toBe("2030-01-01T03:17:00.000Z");
  });

  it("picks the first of a repeated wall time and places a skipped one", () => {
    // 2026-11-01 01:30 happens twice in New York: EDT (UTC-4) first.
    expect(parseUserTime("2026-11-01 01:30", "America/New_York")?.toISOString()).toBe("2026-11-01T05:30:00.000Z");
    // 2026-03-08 02:30 does not exist there; it is read with the offset before the gap.
    expect(parseUserTime("2026-03-08 02:30", "America/New_York")?.toISOString()).toBe("2026-03-08T07:30:00.000Z");
  });

  it("rejects what is not a time", () => {
    expect(parseUserTime("not a time", "UTC")).toBeNull();
    expect(parseUserTime("2026-02-30 10:00", "UTC")).toBeNull();
    expect(parseUserTime("2026-01-01 25:00", "UTC")).toBeNull();
  });
});

describe("elapsed", () => {
  it("formats durations as people read them", () => {
    expect(formatElapsed(0.42)).toBe("0.4s");
    expect(formatElapsed(42)).toBe("42s");
    expect(formatElapsed(185)).toBe("3m 05s");
    expect(formatElapsed(7380)).toBe("2h 03m");
    expect(formatElapsed(3 * 86400 + 4 * 3600)).toBe("3d 04h");
    expect(formatElapsed(null)).toBe("");
  });

  it("measures between API times", () => {
    expect(secondsBetween("2030-01-01T00:00:00Z", "2030-01-01T00:01:30.500Z")).toBe(90.5);
    expect(secondsBetween(null, "2030-01-01T00:00:00Z")).toBeNull();
  });

  it("reads window spans", () => {
    expect(parseSpan("6h")).toBe(21600);
    expect(parseSpan("1d")).toBe(86400);
    expect(parseSpan("0h")).toBeNull();
    expect(parseSpan("x")).toBeNull();
  });
});
