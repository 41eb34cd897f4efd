/**
 * Times: the API speaks ISO 8601 UTC; people read and type times in the selected zone.
 *
 * All zone arithmetic goes through Intl (the browser's tz database); nothing here knows
 * an offset rule. A zone is an IANA name ("UTC", "Asia/Tokyo").
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The browser's own zone. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Whether `zone` is an IANA zone this browser knows. */
export function isValidZone(zone: string): boolean {
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** An API time (`2026-01-01T03:17:00Z`, `…00.123Z`, `…+00:00`) as a Date; null if not one. */
export function parseApiTime(text: string | null | undefined): Date | null {
  if (!text) return null;
  // Date.parse wants at most milliseconds; the API never sends more, but be lenient.
  const trimmed = text.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** A Date as the API takes it: ISO 8601 UTC with `Z`, milliseconds only when present. */
export function toApiTime(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso;
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTime(date: Date, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(date)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `2026-01-01 12:17:00` in `zone`; `seconds: false` drops the seconds. */
export function formatTime(
  time: Date | string | null | undefined,
  zone: string,
  options: { seconds?: boolean; date?: boolean } = {},
): string {
  const date = typeof time === "string" ? parseApiTime(time) : time;
  if (!date) return "";
  const w = wallTime(date, zone);
  const clock = `${pad(w.hour)}:${pad(w.minute)}` + (options.seconds === false ? "" : `:${pad(w.second)}`);
  if (options.date === false) return clock;
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${clock}`;
}

/** The zone's offset from UTC at `date`, in minutes (Tokyo: +540). */
export function zoneOffsetMinutes(date: Date, zone: string): number {
  const w = wallTime(date, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

/** A short label for the zone's offset at `date`: `UTC`, `UTC+09:00`, `UTC-04:30`. */
export function formatOffset(date: Date, zone: string): string {
  const minutes = zoneOffsetMinutes(date, zone);
  if (minutes === 0) return "UTC";
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The instant a wall time in `zone` names. A wall time a DST change repeats is the
 * earlier instant; one a change skips is placed with the offset from before it.
 */
export function fromWallTime(w: WallTime, zone: string): Date {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const before = zoneOffsetMinutes(new Date(guess - 86400000), zone);
  const after = zoneOffsetMinutes(new Date(guess + 86400000), zone);
  // Try the larger offset first: it gives the earlier instant.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    const instant = guess - offset * 60000;
    if (zoneOffsetMinutes(new Date(instant), zone) === offset) return new Date(instant);
  }
  return new Date(guess - before * 60000);
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A time a person typed: `now`, an ISO time with its own offset or `Z` (taken as
 * such), or a wall time `YYYY-MM-DD[ HH:MM[:SS]]` read in `zone`. Null if none.
 */
export function parseUserTime(text: string, zone: string, now: Date = new Date()): Date | null {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "now") return now;
  if (ZONED.test(trimmed) && trimmed.includes("T")) return parseApiTime(trimmed);
  const match = WALL.exec(trimmed);
  if (!match) return null;
  const w: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4] ?? 0),
    minute: Number(match[5] ?? 0),
    second: Number(match[6] ?? 0),
  };
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.day > 31 || w.hour > 23 || w.minute > 59 || w.second > 59) {
    return null;
  }
  // Date.UTC rolls 2026-02-30 over into March: such a date does not exist.
  const check = new Date(Date.UTC(w.year, w.month - 1, w.day));
  if (check.getUTCMonth() !== w.month - 1) return null;
  return fromWallTime(w, zone);
}

/** Elapsed seconds as people read them: `0.4s`, `42s`, `3m 05s`, `2h 03m`, `3d 04h`. */
export function formatElapsed(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  if (seconds < 0) return "-" + formatElapsed(-seconds);
  if (seconds < 10) return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** Seconds from `start` to `end` (API times or Dates); null if either is missing. */
export function secondsBetween(
  start: Date | string | null | undefined,
  end: Date | string | null | undefined,
): number | null {
  const a = typeof start === "string" ? parseApiTime(start) : start;
  const b = typeof end === "string" ? parseApiTime(end) : end;
  if (!a || !b) return null;
  return (b.getTime() - a.getTime()) / 1000;
}

/** A duration in whole seconds, minutes, hours or days as a window span: `1h`, `6h`, `1d`. */
export function parseSpan(text: string | null | undefined): number | null {
  const match = /^(\d+)([smhd])$/.exec((text ?? "").trim());
  if (!match) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  const value = Number(match[1]) * unit;
  return value > 0 ? value : null;
}
