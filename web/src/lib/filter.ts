/**
 * The Runs page's filter: one line of text, the same in the box and in the URL (`?q=`).
 *
 * Terms are separated by spaces; a term with spaces is written in double quotes
 * (`"job:reports/daily summary"`, `"region=us east"`). Every term must match:
 *
 * | term             | matches runs                                         | where     |
 * |------------------|------------------------------------------------------|-----------|
 * | `job:PATH`       | whose job ID starts with PATH (`job:etl/`, `job:noop`) | service |
 * | `label:L`        | carrying label L (repeat for several: all required)  | service (first) |
 * | `state:S[,S…]`   | in one of the states (repeat: the union)             | service   |
 * | `NAME=VALUE`     | with arg NAME equal to VALUE                         | service   |
 * | `WORD`           | whose job ID contains WORD (any case), or run ID is WORD | page   |
 *
 * What the service can filter goes into the query (`toRunQuery`), so a page of the
 * history is already filtered; keywords and extra labels are applied in the page
 * (`matches`), which checks every term. A second `job:` replaces the first. A term
 * that is none of these (`state:bogus`) is reported in `errors` and ignored.
 */

import { isState, type RunQuery, type RunSummary, type State } from "@/api";

export interface RunFilter {
  /** job ID prefix */
  job: string | null;
  labels: string[];
  states: State[];
  args: Record<string, string>;
  keywords: string[];
  /** terms that could not be read, with why */
  errors: string[];
}

export function emptyFilter(): RunFilter {
  return { job: null, labels: [], states: [], args: {}, keywords: [], errors: [] };
}

/** Split on spaces, keeping double-quoted stretches (quotes removed) together. */
export function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = "";
  let quoted = false;
  let started = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(char)) {
      if (started) terms.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) terms.push(current);
  return terms.filter((term) => term !== "");
}

export function parseFilter(text: string | null | undefined): RunFilter {
  const filter = emptyFilter();
  for (const term of splitTerms(text ?? "")) {
    const colon = term.indexOf(":");
    const equals = term.indexOf("=");
    const key = colon > 0 && (equals < 0 || colon < equals) ? term.slice(0, colon).toLowerCase() : null;
    const value = key === null ? "" : term.slice(colon + 1);
    if (key === "job") {
      filter.job = value || null;
    } else if (key === "label") {
      if (value && !filter.labels.includes(value)) filter.labels.push(value);
    } else if (key === "state") {
      for (const name of value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
        if (!isState(name)) filter.errors.push(`${term}: no state ${name}`);
        else if (!filter.states.includes(name)) filter.states.push(name);
      }
    } else if (equals > 0) {
      filter.args[term.slice(0, equals)] = term.slice(equals + 1);
    } else {
      filter.keywords.push(term);
    }
  }
  return filter;
}

function quote(term: string): string {
  return /[\s"]/.test(term) || term === "" ? `"${term.replace(/"/g, "")}"` : term;
}

/** The filter as text; `parseFilter(formatFilter(f))` gives `f` back (without errors). */
export function formatFilter(filter: RunFilter): string {
  const terms: string[] = [];
  if (filter.job) terms.push(quote(`job:${filter.job}`));
  for (const label of filter.labels) terms.push(quote(`label:${label}`));
  if (filter.states.length) terms.push(`state:${filter.states.join(",")}`);
  for (const [name, value] of Object.entries(filter.args)) terms.push(quote(`${name}=${value}`));
  for (const keyword of filter.keywords) terms.push(quote(keyword));
  return terms.join(" ");
}

/** The part of the filter the service applies, as GET /runs parameters. */
export function toRunQuery(filter: RunFilter): RunQuery {
  const q: RunQuery = {};
  if (filter.job) q.job_prefix = filter.job;
  if (filter.labels.length) q.label = filter.labels[0];
  if (filter.states.length) q.states = [...filter.states];
  if (Object.keys(filter.args).length) q.args = { ...filter.args };
  return q;
}

/** Whether the filter needs the page's own check beyond what the service applies. */
export function filtersInPage(filter: RunFilter): boolean {
  return filter.keywords.length > 0 || filter.labels.length > 1;
}

/** Whether `run` matches every term. */
export function matches(filter: RunFilter, run: RunSummary): boolean {
  if (filter.job && !run.job_id.startsWith(filter.job)) return false;
  if (filter.states.length && !filter.states.includes(run.state)) return false;
  for (const label of filter.labels) if (!(run.labels ?? []).includes(label)) return false;
  for (const [name, value] of Object.entries(filter.args)) if (run.args[name] !== value) return false;
  const jobId = run.job_id.toLowerCase();
  for (const keyword of filter.keywords) {
    const word = keyword.toLowerCase();
    if (!jobId.includes(word) && run.run_id !== keyword) return false;
  }
  return true;
}
