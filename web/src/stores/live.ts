/**
 * The one live feed: a single websocket on `/api/v1/summary`, shared by every view.
 *
 * It connects without `?init`: the service's memory can hold a week of runs, and the
 * UI never holds the whole history. Views load what they show from the API instead,
 * and reload it whenever `generation` changes (each (re)connect), so what they show is
 * consistent with the feed that follows. Between their load and its answer they keep
 * the feed's messages and apply them afterwards (`RunBuffer` in lib/runs.ts does that).
 *
 * The socket reconnects by itself, with back-off (0.25 s doubling to 3 s), and at once
 * when the page comes back online or into view.
 */

import { defineStore } from "pinia";
import { onScopeDispose, ref, shallowRef } from "vue";

import { summaryUrl, type Job, type RunSummary, type SummaryMessage } from "@/api";

export type ConnectionState = "connecting" | "connected" | "lost";

export type RunListener = (runs: RunSummary[]) => void;
export type JobListener = (change: JobChange) => void;
export type JobChange = { kind: "added" | "changed"; job: Job } | { kind: "removed"; jobId: string };

const MIN_DELAY = 250;
const MAX_DELAY = 3000;

export const useLiveStore = defineStore("live", () => {
  const state = ref<ConnectionState>("connecting");
  /** Counts connections: a view reloads what it shows when this changes. */
  const generation = ref(0);
  /** When the feed was last connected (ms since epoch), or null. */
  const connectedAt = ref<number | null>(null);
  /** Why the last connection ended, when it said. */
  const lastError = shallowRef<string | null>(null);

  const runListeners = new Set<RunListener>();
  const jobListeners = new Set<JobListener>();
  let socket: WebSocket | null = null;
  let delay = MIN_DELAY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let started = false;

  function dispatch(messages: SummaryMessage[]): void {
    const runs: RunSummary[] = [];
    for (const message of messages) {
      if (message.type === "run_transition" || message.type === "run_summary") {
        runs.push(message.run_summary);
      } else if (message.type === "job_add" || message.type === "job") {
        const change: JobChange = { kind: message.type === "job_add" ? "added" : "changed", job: message.job };
        jobListeners.forEach((listener) => listener(change));
      } else if (message.type === "job_delete") {
        const change: JobChange = { kind: "removed", jobId: message.job_id };
        jobListeners.forEach((listener) => listener(change));
      }
    }
    if (runs.length) runListeners.forEach((listener) => listener(runs));
  }

  function open(): void {
    timer = null;
    if (socket) return;
    const ws = new WebSocket(summaryUrl(false));
    socket = ws;
    ws.onopen = () => {
      delay = MIN_DELAY;
      lastError.value = null;
      state.value = "connected";
      connectedAt.value = Date.now();
      generation.value += 1;
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      try {
        const parsed = JSON.parse(event.data) as SummaryMessage[] | SummaryMessage;
        dispatch(Array.isArray(parsed) ? parsed : [parsed]);
      } catch (exc) {
        console.error("live feed: bad message", exc);
      }
    };
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (event.reason) lastError.value = event.reason;
      state.value = "lost";
      schedule();
    };
    ws.onerror = () => {
      // onclose follows and reconnects
    };
  }

  function schedule(): void {
    if (timer !== null) return;
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function hurry(): void {
    if (socket || document.visibilityState === "hidden") return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    delay = MIN_DELAY;
    open();
  }

  /** Open the feed (once; App.vue does it). */
  function start(): void {
    if (started) return;
    started = true;
    window.addEventListener("online", hurry);
    document.addEventListener("visibilitychange", hurry);
    open();
  }

  /** Call `listener` with each batch of run summaries; returns the unsubscriber. */
  function onRuns(listener: RunListener): () => void {
    runListeners.add(listener);
    return () => runListeners.delete(listener);
  }

  /** Call `listener` with each job change; returns the unsubscriber. */
  function onJobs(listener: JobListener): () => void {
    jobListeners.add(listener);
    return () => jobListeners.delete(listener);
  }

  return { state, generation, connectedAt, lastError, start, onRuns, onJobs };
});

/** Subscribe to run batches for the life of the calling component (or effect scope). */
export function useRunFeed(listener: RunListener): void {
  onScopeDispose(useLiveStore().onRuns(listener));
}

/** Subscribe to job changes for the life of the calling component (or effect scope). */
export function useJobFeed(listener: JobListener): void {
  onScopeDispose(useLiveStore().onJobs(listener));
}
