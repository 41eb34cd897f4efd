/**
 * The one client of the service's API (`/api/v1`, SPEC §9.1): typed wrappers for every
 * call the UI makes, and the URLs of its websockets.
 *
 * A failed call throws `ApiError`, whose message is the API's `{"error": ...}` text
 * (or the HTTP status when the answer is not JSON), so views show it as it is.
 */

export const STATES = [
  "new",
  "scheduled",
  "waiting",
  "starting",
  "running",
  "stopping",
  "success",
  "failure",
  "error",
  "skipped",
] as const;
export type State = (typeof STATES)[number];
export const FINISHED_STATES: readonly State[] = ["success", "failure", "error", "skipped"];

export function isState(name: string): name is State {
  return (STATES as readonly string[]).includes(name);
}

export type Args = Record<string, string>;

/** A run as the summary feed and `?summary=true` give it. */
export interface RunSummary {
  run_id: string;
  job_id: string;
  args: Args;
  state: State;
  /** state name (and `schedule`, `stop`) → ISO time */
  times: Record<string, string>;
  labels: string[];
  expected?: boolean;
  rerun_of?: string;
}

/** A program, condition or action as the API shows it: its keys, and `str`. */
export interface Kind {
  type: string;
  str: string;
  [key: string]: unknown;
}

/** The full run. */
export interface Run extends RunSummary {
  program: Kind | null;
  conds: Kind[];
  actions: Kind[];
  meta: Record<string, unknown>;
}

export interface Runs {
  when: string;
  runs: Record<string, Run>;
}

/** A page of runs, newest first (object keys keep the API's order). */
export interface RunsPage extends Runs {
  /** `before` for the older runs; null when none are older. */
  next: string | null;
  /** `after` for the newer runs; null when none are newer. */
  prev: string | null;
}

export interface Job {
  job_id: string;
  params: string[];
  schedule: Record<string, unknown>[];
  program: Kind;
  condition: Kind[];
  action: Kind[];
  metadata: { description?: string; labels?: string[]; [key: string]: unknown };
  retry?: Record<string, unknown> | null;
  catchup?: unknown;
  ad_hoc: boolean;
}

export interface ScheduledRun {
  time: string;
  args: Args;
  stop?: string;
  note?: string;
}

export interface JobSchedule {
  job_id: string;
  runs: ScheduledRun[];
}

/** A run a job's schedules will create (GET /schedule): no run exists yet. */
export interface UpcomingRun extends ScheduledRun {
  job_id: string;
}

/** GET /schedule: upcoming runs in time order; `more` when `limit` cut the list. */
export interface Upcoming {
  runs: UpcomingRun[];
  more: boolean;
}

/** GET /schedule parameters (every field optional). */
export interface ScheduleQuery {
  /** ISO time or `now` (default) */
  start?: string;
  /** ISO time; default a day after start */
  end?: string;
  /** 1 to 10000, default 1000 */
  limit?: number;
  job_prefix?: string;
  /** all required */
  labels?: string[];
}

export interface RunLogLine {
  timestamp: string;
  message: string;
}

export interface OutputInfo {
  output_id: string;
  output_len: number;
  name: string;
  content_type: string;
}

export interface DependencyRuns {
  job_id: string;
  args: Args;
  /** IDs of that instance's runs in the service's memory */
  runs: string[];
}

/** GET /runs filters and paging (every field optional). */
export interface RunQuery {
  job_id?: string;
  job_prefix?: string;
  states?: State[];
  label?: string;
  since?: string;
  run_ids?: string[];
  /** arg name → value; names the API reserves are sent as `_name` */
  args?: Args;
  summary?: boolean;
  limit?: number;
  before?: string;
  after?: string;
}

export interface NewRun {
  job_id?: string;
  /** an inline job (ad hoc), as a job file writes it */
  job?: Record<string, unknown>;
  args?: Args;
  times?: { schedule?: string; stop?: string | number };
}

export type Operation = "skip" | "start" | "stop" | "rerun" | "signal" | "mark";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: string[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const API = "/api/v1";

/** Names GET /runs takes as its own parameters: an arg so named goes as `_name`. */
const RESERVED = new Set([
  "job_id", "state", "since", "run_id", "summary", "label", "job_prefix", "limit", "before", "after",
]);

/** A job ID as a URL path: segments encoded, slashes kept (`etl/load`). */
export function jobPath(jobId: string): string {
  return jobId.split("/").map(encodeURIComponent).join("/");
}

async function request<T>(method: string, path: string, body?: unknown, raw = false): Promise<T> {
  let response: Response;
  try {
    response = await fetch(API + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (exc) {
    throw new ApiError(`cannot reach the service: ${(exc as Error).message}`, 0);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let errors: string[] = [];
    try {
      const jso = await response.json();
      if (jso && typeof jso.error === "string") message = jso.error;
      if (jso && Array.isArray(jso.errors)) errors = jso.errors;
    } catch {
      // not JSON: the status says it
    }
    throw new ApiError(message, response.status, errors);
  }
  return (raw ? response.arrayBuffer() : response.json()) as Promise<T>;
}

function query(params: Record<string, string | string[] | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, String(one));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The query string of a RunQuery. */
export function runQueryString(q: RunQuery): string {
  const params: Record<string, string | string[] | number | boolean | undefined> = {
    job_id: q.job_id,
    job_prefix: q.job_prefix || undefined,
    state: q.states && q.states.length ? q.states.join(",") : undefined,
    label: q.label,
    since: q.since,
    run_id: q.run_ids,
    summary: q.summary ? "true" : undefined,
    limit: q.limit,
    before: q.before,
    after: q.after,
  };
  for (const [name, value] of Object.entries(q.args ?? {})) {
    params[RESERVED.has(name) || (name.startsWith("_") && RESERVED.has(name.slice(1))) ? `_${name}` : name] = value;
  }
  return query(params);
}

// --- runs ----------------------------------------------------------------------------

/** Runs matching `q`; with `limit`, `before` or `after`, a page of the whole history. */
export function getRuns(q: RunQuery & { limit: number }): Promise<RunsPage>;
export function getRuns(q: RunQuery): Promise<Runs | RunsPage>;
export function getRuns(q: RunQuery): Promise<Runs | RunsPage> {
  return request("GET", `/runs${runQueryString(q)}`);
}

/** One run (full), from memory or the store. */
export async function getRun(runId: string): Promise<Run> {
  const { runs } = await request<Runs>("GET", `/runs/${encodeURIComponent(runId)}`);
  const run = runs[runId] ?? Object.values(runs)[0];
  if (!run) throw new ApiError(`no run ${runId}`, 404);
  return run;
}

export async function getRunLog(runId: string): Promise<RunLogLine[]> {
  const { run_log } = await request<{ run_log: RunLogLine[] }>("GET", `/runs/${encodeURIComponent(runId)}/log`);
  return run_log;
}

export function getOutputs(runId: string): Promise<OutputInfo[]> {
  return request("GET", `/runs/${encodeURIComponent(runId)}/outputs`);
}

export function getOutput(runId: string, outputId: string): Promise<ArrayBuffer> {
  return request("GET", `/runs/${encodeURIComponent(runId)}/output/${encodeURIComponent(outputId)}`, undefined, true);
}

export function getDependencies(runId: string): Promise<DependencyRuns[]> {
  return request("GET", `/runs/${encodeURIComponent(runId)}/dependencies`);
}

/** Create runs (`count` of them, default 1); the new runs by ID. */
export async function scheduleRun(body: NewRun, count?: number): Promise<Run[]> {
  const { runs } = await request<Runs>("POST", `/runs${query({ count })}`, body);
  return Object.values(runs);
}

const op = (runId: string, path: string) => `/runs/${encodeURIComponent(runId)}/${path}`;

export async function skipRun(runId: string): Promise<void> {
  await request("POST", op(runId, "skip"));
}

export async function startRun(runId: string): Promise<void> {
  await request("POST", op(runId, "start"));
}

export async function stopRun(runId: string): Promise<void> {
  await request("POST", op(runId, "stop"));
}

/** Rerun a finished run; the new run. */
export async function rerunRun(runId: string): Promise<Run> {
  const { runs } = await request<Runs>("POST", op(runId, "rerun"));
  const run = Object.values(runs)[0];
  if (!run) throw new ApiError("the rerun created no run", 500);
  return run;
}

/** `signal`: a name (`SIGTERM`, `TERM`) or a number. */
export async function signalRun(runId: string, signal: string): Promise<void> {
  await request("POST", op(runId, `signal/${encodeURIComponent(signal)}`));
}

export async function markRun(runId: string, state: State): Promise<void> {
  await request("POST", op(runId, `mark/${encodeURIComponent(state)}`));
}

// --- jobs ----------------------------------------------------------------------------

export function getJobs(label?: string): Promise<Job[]> {
  return request("GET", `/jobs${query({ label })}`);
}

/** One job; the ID matches fuzzily (SPEC §9.1). */
export function getJob(jobId: string): Promise<Job> {
  return request("GET", `/jobs/${jobPath(jobId)}`);
}

/** A page of the job's runs from the whole history, newest first. */
export function getJobRuns(
  jobId: string,
  page: { limit?: number; before?: string; after?: string; summary?: boolean } = {},
): Promise<RunsPage> {
  return request(
    "GET",
    `/jobs/${jobPath(jobId)}/runs${query({ ...page, summary: page.summary ? "true" : undefined })}`,
  );
}

/** The next `count` runs the job's schedules will create from `start` (default now). */
export function getJobSchedule(jobId: string, count?: number, start?: string): Promise<JobSchedule> {
  return request("GET", `/jobs/${jobPath(jobId)}/schedule${query({ count, start })}`);
}

/**
 * The runs every job's schedules will create, due in [start, end), in time order: what
 * is coming, which GET /runs does not hold yet. Nothing is created.
 */
export function getSchedule(q: ScheduleQuery = {}): Promise<Upcoming> {
  const params = {
    start: q.start,
    end: q.end,
    limit: q.limit,
    job_prefix: q.job_prefix || undefined,
    label: q.labels && q.labels.length ? q.labels : undefined,
  };
  return request("GET", `/schedule${query(params)}`);
}

// --- control -------------------------------------------------------------------------

export function getVersion(): Promise<Record<string, unknown>> {
  return fetch("/api/control/version").then((r) => r.json());
}

// --- websockets ----------------------------------------------------------------------

/** The ws:// or wss:// URL of an API websocket path (`/summary`). */
export function wsUrl(path: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${API}${path}`;
}

/** Messages of WS /summary (each frame is a JSON array of them). */
export type SummaryMessage =
  | { type: "run_transition"; run_summary: RunSummary }
  | { type: "run_summary"; run_summary: RunSummary }
  | { type: "job" | "job_add"; job: Job }
  | { type: "job_delete"; job_id: string }
  | { type: "init_done" };

/** Messages of WS /runs/{id}/updates (one JSON object per frame). */
export interface RunUpdate {
  run?: RunSummary | Run;
  meta?: Record<string, unknown>;
  run_log?: RunLogLine[];
  run_log_append?: RunLogLine;
  outputs?: Record<string, { name: string; length: number; content_type: string }>;
}

export function summaryUrl(init = false): string {
  return wsUrl(`/summary${init ? "?init" : ""}`);
}

export function runUpdatesUrl(runId: string): string {
  return wsUrl(`/runs/${encodeURIComponent(runId)}/updates`);
}

/** Binary frames: a JSON header line `{"offset", "length"}`, then that many bytes. */
export function outputUpdatesUrl(runId: string, outputId: string, start = 0): string {
  return wsUrl(`/runs/${encodeURIComponent(runId)}/output/${encodeURIComponent(outputId)}/updates?start=${start}`);
}

/** Split an output frame into its offset and bytes. */
export function parseOutputFrame(frame: ArrayBuffer): { offset: number; data: Uint8Array } {
  const bytes = new Uint8Array(frame);
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as { offset: number; length: number };
  return { offset: header.offset, data: bytes.subarray(newline + 1, newline + 1 + header.length) };
}
