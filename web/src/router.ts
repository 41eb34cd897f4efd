/**
 * Routes (history mode; the service answers index.html for any non-API path).
 *
 * | name     | path                | params                          |
 * |----------|---------------------|---------------------------------|
 * | runs     | /runs               | query: q, repeated, at, span    |
 * | run      | /runs/:runId        | runId                           |
 * | jobs     | /jobs/:path(.*)*    | path: string[] (tree root)      |
 * | job      | /job/:jobId(.*)     | jobId (may contain slashes)     |
 * | timeline | /timeline           | (its own query)                 |
 */

import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";

import { jobPath } from "@/api";
import RunsView from "@/views/RunsView.vue";

// The Runs page, the first most people see, comes with the app; the others load when
// first visited, so the first rows show sooner.
const RunView = () => import("@/views/RunView.vue");
const JobsView = () => import("@/views/JobsView.vue");
const JobView = () => import("@/views/JobView.vue");
const TimelineView = () => import("@/views/TimelineView.vue");

export const routes: RouteRecordRaw[] = [
  { path: "/", redirect: "/runs" },
  { path: "/runs", name: "runs", component: RunsView },
  { path: "/runs/:runId", name: "run", component: RunView, props: true },
  { path: "/jobs/:path(.*)*", name: "jobs", component: JobsView },
  { path: "/job/:jobId(.*)", name: "job", component: JobView, props: true },
  { path: "/timeline", name: "timeline", component: TimelineView },
  { path: "/:unknown(.*)*", name: "not-found", redirect: "/runs" },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
});

/**
 * The path of a job's page, `/job/etl/load`. A path, not `{name, params}`: the router
 * would encode the slashes of the ID as %2F.
 */
export function jobLocation(jobId: string): string {
  return `/job/${jobPath(jobId)}`;
}

/** The path of the Jobs tree rooted at `path` (`etl/`, or "" for the whole tree). */
export function jobsLocation(path = ""): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return trimmed ? `/jobs/${jobPath(trimmed)}` : "/jobs";
}

/** The path of a run's page. */
export function runLocation(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}
