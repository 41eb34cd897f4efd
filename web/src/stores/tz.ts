/**
 * The time zone every time is shown and entered in: `UTC`, the browser's own zone
 * (`local`), or an IANA zone. Kept in localStorage, so it survives reloads.
 */

import { defineStore } from "pinia";
import { computed, ref } from "vue";

import { browserZone, formatTime, isValidZone, parseUserTime } from "@/lib/time";

export const LOCAL = "local";
const KEY = "apsis.tz";

/** The zones offered besides UTC and the browser's own. */
export const COMMON_ZONES = [
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Paris",
  "Europe/Berlin",
  "Europe/Moscow",
  "Africa/Johannesburg",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Singapore",
  "Asia/Hong_Kong",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Pacific/Auckland",
];

function stored(): string {
  try {
    const value = localStorage.getItem(KEY);
    if (value && (value === LOCAL || isValidZone(value))) return value;
  } catch {
    // storage may be unavailable
  }
  return LOCAL;
}

export const useTzStore = defineStore("tz", () => {
  /** What was chosen: `local`, `UTC` or an IANA name. */
  const choice = ref(stored());
  /** The IANA zone to format with. */
  const zone = computed(() => (choice.value === LOCAL ? browserZone() : choice.value));
  /** The options of the selector: value and label. */
  const options = computed(() => [
    { value: "UTC", label: "UTC" },
    { value: LOCAL, label: `Local (${browserZone()})` },
    ...COMMON_ZONES.map((name) => ({ value: name, label: name.replace(/_/g, " ") })),
  ]);

  function select(value: string): void {
    if (value !== LOCAL && !isValidZone(value)) return;
    choice.value = value;
    try {
      localStorage.setItem(KEY, value);
    } catch {
      // not persisted; still applies
    }
  }

  /** A time (Date or API string) in the selected zone, `YYYY-MM-DD HH:MM:SS`. */
  function format(time: Date | string | null | undefined, options?: { seconds?: boolean; date?: boolean }): string {
    return formatTime(time, zone.value, options);
  }

  /** A time typed in the selected zone (or `now`, or ISO with offset); null if none. */
  function parse(text: string, now?: Date): Date | null {
    return parseUserTime(text, zone.value, now);
  }

  return { choice, zone, options, select, format, parse };
});
