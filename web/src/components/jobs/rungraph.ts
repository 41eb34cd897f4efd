/**
 * What the run graph needs to know, from what the API offers (SPEC §9.1):
 *
 * - upstream: the run's dependency instances and their runs (GET /runs/{id}/dependencies),
 *   the run whose action scheduled it ("scheduled by action of rN" in its log), and the
 *   run it reruns (`rerun_of`);
 * - downstream: the runs its actions scheduled ("action: scheduled JOB as rN" in its
 *   log), and its dependents: runs of jobs with a dependency condition on this run's
 *   job whose bound condition names exactly this run's instance.
 *
 * The API has no dependents query, so they are found job by job: the jobs whose
 * conditions name this job, then their runs narrowed by the args they must share
 * (a dependency inherits the params both jobs have), then checked on their bound
 * conditions.
 */

import type { Args, Job, Kind, Run } from "@/api";

export type Relation = "dependency" | "scheduled by" | "rerun of" | "scheduled" | "dependent";

export const UPSTREAM: readonly Relation[] = ["dependency", "scheduled by", "rerun of"];

export interface GraphNode {
  /** Unique within one graph. */
  key: string;
  /** The run, or null for a dependency instance that has no run. */
  runId: string | null;
  jobId: string;
  args: Args;
  state: string | null;
  relation: Relation;
}

const SCHEDULED_BY = /scheduled by action of (r\d+)/;
const SCHEDULED = /^action: scheduled .* as (r\d+)\s*$/;

/** Runs named by the run log: which run's action scheduled this one, and which runs
 * this one's actions scheduled. */
export function logLinks(messages: Iterable<string>): { scheduledBy: string[]; scheduled: string[] } {
  const scheduledBy: string[] = [];
  const scheduled: string[] = [];
  for (const message of messages) {
    const by = SCHEDULED_BY.exec(message);
    if (by && !scheduledBy.includes(by[1])) scheduledBy.push(by[1]);
    const made = SCHEDULED.exec(message);
    if (made && !scheduled.includes(made[1])) scheduled.push(made[1]);
  }
  return { scheduledBy, scheduled };
}

function isDependencyOn(cond: Kind, jobId: string): boolean {
  return cond.type === "dependency" && cond.job_id === jobId;
}

/**
 * For a job that may depend on `run`'s job: the arg filter its dependent runs must
 * match (params both jobs have, not set explicitly by the condition, are inherited
 * from the dependent run, so they equal this run's args), or null when no condition
 * of the job names `run`'s job.
 */
export function dependentArgs(job: Job, run: { job_id: string; args: Args }): Args | null {
  const conds = job.condition.filter((cond) => isDependencyOn(cond, run.job_id));
  if (conds.length === 0) return null;
  // With several such conditions, filter only on what all of them inherit.
  const args: Args = {};
  for (const param of job.params) {
    if (!(param in run.args)) continue;
    const inherited = conds.every((cond) => {
      const explicit = cond.args && typeof cond.args === "object" ? (cond.args as Args) : {};
      return !(param in explicit);
    });
    if (inherited) args[param] = run.args[param];
  }
  return args;
}

function sameArgs(a: Args, b: Args): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Whether `other`'s bound conditions wait for exactly `run`'s instance. */
export function dependsOn(other: Pick<Run, "conds">, run: { job_id: string; args: Args }): boolean {
  return other.conds.some(
    (cond) =>
      isDependencyOn(cond, run.job_id) &&
      sameArgs((cond.args as Args | undefined) ?? {}, run.args),
  );
}

export interface Placed extends GraphNode {
  x: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  center: { x: number; y: number };
  left: Placed[];
  right: Placed[];
  hiddenLeft: number;
  hiddenRight: number;
}

export const NODE_W = 230;
export const NODE_H = 40;
const GAP = 12;
const MARGIN = 8;

/**
 * Upstream nodes in a column on the left, downstream on the right, the run in the
 * middle, all vertically centred; at most `max` per side (the rest are counted).
 */
export function layoutGraph(upstream: GraphNode[], downstream: GraphNode[], max = 12, width = 800): GraphLayout {
  const left = upstream.slice(0, max);
  const right = downstream.slice(0, max);
  const rows = Math.max(left.length, right.length, 1);
  const height = rows * (NODE_H + GAP) - GAP + 2 * MARGIN + 16;
  const column = (nodes: GraphNode[], x: number): Placed[] => {
    const top = (height - (nodes.length * (NODE_H + GAP) - GAP)) / 2;
    return nodes.map((node, i) => ({ ...node, x, y: top + i * (NODE_H + GAP) }));
  };
  return {
    width,
    height,
    center: { x: (width - NODE_W) / 2, y: (height - NODE_H) / 2 },
    left: column(left, MARGIN),
    right: column(right, width - NODE_W - MARGIN),
    hiddenLeft: upstream.length - left.length,
    hiddenRight: downstream.length - right.length,
  };
}

/** A cubic curve from the right edge of one box to the left edge of another. */
export function edgePath(from: { x: number; y: number }, to: { x: number; y: number }): string {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}
