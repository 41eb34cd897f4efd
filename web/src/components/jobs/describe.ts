/**
 * Readable text for the parts of a job as the API gives them (SPEC §4–7): schedules
 * as sentences ("daily at 06:00 UTC on Mon-Fri"), durations as `1h 30m`, and the
 * remaining keys of a program, condition or action as short key/value pairs.
 */

/** Seconds as people write durations: `45s`, `10m`, `1h 30m`, `2d`, `1.5s`. */
export function formatDuration(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return String(seconds);
  if (seconds === 0) return "0s";
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  if (rest > 0) parts.push(`${Number.isInteger(rest) ? rest : Number(rest.toFixed(3))}s`);
  return sign + parts.join(" ");
}

/** `06:00:00` → `06:00`; seconds only when they matter. */
export function formatDaytime(daytime: unknown): string {
  const text = String(daytime);
  return text.replace(/^(\d{1,2}:\d{2}):00(?:\.0+)?$/, "$1");
}

type Entry = Record<string, unknown>;

/** Keys that hold durations in seconds, shown with `formatDuration`. */
const DURATION_KEYS = new Set([
  "duration", "interval", "phase", "time_shift", "grace_period", "delay", "max_delay", "age",
  "jitter", "chunk_sleep",
]);

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function shifted(entry: Entry): string {
  const parts: string[] = [];
  if (typeof entry.cal_shift === "number" && entry.cal_shift !== 0) {
    parts.push(`shifted ${entry.cal_shift} calendar day${Math.abs(entry.cal_shift) === 1 ? "" : "s"}`);
  }
  if (typeof entry.date_shift === "number" && entry.date_shift !== 0) {
    parts.push(`shifted ${entry.date_shift} day${Math.abs(entry.date_shift) === 1 ? "" : "s"}`);
  }
  if (typeof entry.time_shift === "number" && entry.time_shift !== 0) {
    parts.push(`plus ${formatDuration(entry.time_shift)}`);
  }
  return parts.length ? ", " + parts.join(", ") : "";
}

function onCalendar(entry: Entry): string {
  const calendar = entry.calendar;
  return calendar && calendar !== "all" ? ` on ${String(calendar)}` : "";
}

function boundary(value: unknown): string {
  if (value && typeof value === "object") {
    const b = value as Entry;
    return formatDaytime(b.daytime) + shifted(b);
  }
  return formatDaytime(value);
}

/**
 * One schedule entry as a sentence. `formatTime` shows explicit times (in the
 * selected zone). Unknown types fall back to their keys.
 */
export function describeSchedule(entry: Entry, formatTime: (iso: string) => string = (t) => t): string {
  if (entry.start && typeof entry.start === "object") {
    return `${describeSchedule(entry.start as Entry, formatTime)}; ${describeStop(entry.stop)}`;
  }
  const tz = entry.tz ? ` ${String(entry.tz)}` : "";
  let text: string;
  switch (entry.type) {
    case "interval":
      text = `every ${formatDuration(entry.interval)}`;
      if (typeof entry.phase === "number" && entry.phase !== 0) {
        text += `, offset ${formatDuration(entry.phase)}`;
      }
      break;
    case "daily":
      text =
        `daily at ${list(entry.daytime).map(formatDaytime).join(", ")}${tz}` +
        onCalendar(entry) +
        shifted(entry);
      break;
    case "daily-interval":
      text =
        `every ${formatDuration(entry.interval)} from ${boundary(entry.start)} to ` +
        `${boundary(entry.stop)}${tz}${onCalendar(entry)}`;
      break;
    case "explicit":
      text = `at ${list(entry.times).map((t) => formatTime(String(t))).join(", ")}`;
      break;
    case "cron":
      text = `cron "${String(entry.expr)}"${tz}`;
      break;
    default:
      text = `${String(entry.type)} ${keyValues(entry, ["type", "enabled", "args", "str"])
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`.trim();
  }
  if (typeof entry.jitter === "number" && entry.jitter > 0) {
    text += `, jitter up to ${formatDuration(entry.jitter)}`;
  }
  if (entry.dst_gap === "skip") text += ", skipping dates when the time does not exist";
  return text;
}

/** A stop schedule (`{type: duration|daytime, …}`). */
export function describeStop(stop: unknown): string {
  if (!stop || typeof stop !== "object") return "no stop";
  const s = stop as Entry;
  if (s.type === "duration") return `stop after ${formatDuration(s.duration)}`;
  if (s.type === "daytime") {
    return `stop at ${formatDaytime(s.daytime)}${s.tz ? ` ${String(s.tz)}` : ""}`;
  }
  return `stop: ${keyValues(s, []).map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** The schedule entry's own args (fixed values for params), if any. */
export function scheduleArgs(entry: Entry): Record<string, string> {
  const inner = entry.start && typeof entry.start === "object" ? (entry.start as Entry) : entry;
  const args = inner.args;
  return args && typeof args === "object" ? (args as Record<string, string>) : {};
}

export function scheduleEnabled(entry: Entry): boolean {
  const inner = entry.start && typeof entry.start === "object" ? (entry.start as Entry) : entry;
  return inner.enabled !== false;
}

/** A value of a kind's key, in one line. */
export function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number" && DURATION_KEYS.has(key)) return formatDuration(value);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map((item) => formatValue(key, item)).join(", ");
  if (typeof value === "object") {
    const entries = Object.entries(value as Entry);
    if (entries.length === 0) return "—";
    return entries.map(([k, v]) => `${k}: ${formatValue(k, v)}`).join(", ");
  }
  return String(value);
}

/** The keys of a kind (program, condition, action) other than `skip`, each as text. */
export function keyValues(kind: Entry, skip: string[] = ["type", "str"]): [string, string][] {
  return Object.entries(kind)
    .filter(([key, value]) => !skip.includes(key) && value !== undefined)
    .map(([key, value]) => [key, formatValue(key, value)]);
}

/** An instance `job(a=1, b=2)` as Apsis writes it. */
export function formatInstance(jobId: string, args: Record<string, unknown> | undefined): string {
  const entries = Object.entries(args ?? {});
  if (entries.length === 0) return jobId;
  return `${jobId}(${entries.map(([k, v]) => `${k}=${String(v)}`).join(", ")})`;
}
