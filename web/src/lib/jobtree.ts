/**
 * The Jobs page's model: job IDs are paths (`etl/load`, SPEC §3), shown as a tree of
 * folders, filtered by keywords and labels, optionally rooted at a folder.
 *
 * Pure functions over plain job objects, so the page stays a thin view and large job
 * directories (tens of thousands of jobs) cost one pass per change: the tree is built
 * once per filter, and only the rows of expanded folders are produced for rendering.
 */

export interface JobLike {
  job_id: string;
  metadata?: {
    description?: string | null;
    labels?: string[] | null;
    [key: string]: unknown;
  } | null;
}

export interface JobFilter {
  /** Every keyword must occur (case-insensitively) in the job ID, a label or the
   * description. */
  keywords: string[];
  /** Every label must be one of the job's labels. */
  labels: string[];
}

export interface DirNode<T extends JobLike> {
  kind: "dir";
  /** The last path component. */
  name: string;
  /** The full path from the top (`reports/daily` for a folder `daily` in `reports`). */
  path: string;
  dirs: DirNode<T>[];
  jobs: JobNode<T>[];
  /** Jobs anywhere under this folder. */
  count: number;
}

export interface JobNode<T extends JobLike> {
  kind: "job";
  name: string;
  /** The job ID. */
  path: string;
  job: T;
}

export type TreeRow<T extends JobLike> =
  | { kind: "dir"; name: string; path: string; depth: number; count: number; expanded: boolean }
  | { kind: "job"; name: string; path: string; depth: number; job: T };

export const EMPTY_FILTER: JobFilter = { keywords: [], labels: [] };

/** Path components of a job ID or folder path, ignoring empty ones. */
export function splitPath(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

/** A folder path in canonical form: no leading, trailing or doubled slashes. */
export function normalizePath(path: string | string[] | null | undefined): string {
  if (path == null) return "";
  const text = Array.isArray(path) ? path.join("/") : path;
  return splitPath(text).join("/");
}

/** The folders leading to `path`, each with its full path, for a breadcrumb. */
export function breadcrumbs(path: string): { name: string; path: string }[] {
  const parts = splitPath(path);
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join("/") }));
}

/**
 * The filter typed in the Jobs page's box: whitespace-separated keywords, and
 * `label:NAME` terms (also `label:a,b`) for labels.
 */
export function parseJobFilter(text: string | null | undefined): JobFilter {
  const keywords: string[] = [];
  const labels: string[] = [];
  for (const word of (text ?? "").split(/\s+/)) {
    if (word === "") continue;
    const label = /^labels?:(.*)$/i.exec(word);
    if (label) {
      labels.push(...label[1].split(",").filter((name) => name !== ""));
    } else {
      keywords.push(word);
    }
  }
  return { keywords, labels };
}

export function isEmptyFilter(filter: JobFilter): boolean {
  return filter.keywords.length === 0 && filter.labels.length === 0;
}

export function jobLabels(job: JobLike): string[] {
  return job.metadata?.labels ?? [];
}

export function jobDescription(job: JobLike): string {
  const description = job.metadata?.description;
  return typeof description === "string" ? description : "";
}

export function matchesJob(job: JobLike, filter: JobFilter): boolean {
  const labels = jobLabels(job);
  if (!filter.labels.every((label) => labels.includes(label))) return false;
  if (filter.keywords.length === 0) return true;
  const haystack = [job.job_id, ...labels, jobDescription(job)].join("\n").toLowerCase();
  return filter.keywords.every((word) => haystack.includes(word.toLowerCase()));
}

/** Every label of the jobs, sorted, each once. */
export function allLabels(jobs: Iterable<JobLike>): string[] {
  const labels = new Set<string>();
  for (const job of jobs) for (const label of jobLabels(job)) labels.add(label);
  return [...labels].sort();
}

/** Whether the job is in the folder `root` (or is the job `root` itself). */
export function underRoot(jobId: string, root: string): boolean {
  return root === "" || jobId === root || jobId.startsWith(root + "/");
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The tree of the jobs under folder `root` that match `filter`. Folders come before
 * jobs at each level; both are sorted by name. A job whose ID is `root` itself is a
 * top-level job of the tree.
 */
export function buildTree<T extends JobLike>(
  jobs: Iterable<T>,
  root = "",
  filter: JobFilter = EMPTY_FILTER,
): DirNode<T> {
  const rootPath = normalizePath(root);
  const top: DirNode<T> = { kind: "dir", name: "", path: rootPath, dirs: [], jobs: [], count: 0 };
  const dirs = new Map<string, DirNode<T>>([[rootPath, top]]);
  const rootDepth = splitPath(rootPath).length;

  for (const job of jobs) {
    if (!underRoot(job.job_id, rootPath) || !matchesJob(job, filter)) continue;
    const parts = splitPath(job.job_id);
    let dir = top;
    top.count++;
    // The folders between the root and the job, made on first use.
    for (let i = rootDepth; i < parts.length - 1; i++) {
      const path = parts.slice(0, i + 1).join("/");
      let next = dirs.get(path);
      if (next === undefined) {
        next = { kind: "dir", name: parts[i], path, dirs: [], jobs: [], count: 0 };
        dirs.set(path, next);
        dir.dirs.push(next);
      }
      next.count++;
      dir = next;
    }
    dir.jobs.push({ kind: "job", name: parts[parts.length - 1] ?? job.job_id, path: job.job_id, job });
  }
  for (const dir of dirs.values()) {
    dir.dirs.sort(byName);
    dir.jobs.sort(byName);
  }
  return top;
}

/** Every folder path in the tree (not its root). */
export function dirPaths<T extends JobLike>(tree: DirNode<T>): string[] {
  const paths: string[] = [];
  const walk = (dir: DirNode<T>) => {
    for (const sub of dir.dirs) {
      paths.push(sub.path);
      walk(sub);
    }
  };
  walk(tree);
  return paths;
}

/**
 * The rows to render, depth first: each folder, then, if `isExpanded(path)`, its
 * contents one level deeper. The root itself is not a row.
 */
export function visibleRows<T extends JobLike>(
  tree: DirNode<T>,
  isExpanded: (path: string) => boolean,
): TreeRow<T>[] {
  const rows: TreeRow<T>[] = [];
  const walk = (dir: DirNode<T>, depth: number) => {
    for (const sub of dir.dirs) {
      const expanded = isExpanded(sub.path);
      rows.push({ kind: "dir", name: sub.name, path: sub.path, depth, count: sub.count, expanded });
      if (expanded) walk(sub, depth + 1);
    }
    for (const node of dir.jobs) {
      rows.push({ kind: "job", name: node.name, path: node.path, depth, job: node.job });
    }
  };
  walk(tree, 0);
  return rows;
}

/** Folders shown open when the user has not toggled them: all of them for a filtered
 * or small tree, where seeing every match matters; none for a large one. */
export const OPEN_BY_DEFAULT_MAX = 200;

export function expandedByDefault(tree: DirNode<JobLike>, filter: JobFilter): boolean {
  return !isEmptyFilter(filter) || tree.count <= OPEN_BY_DEFAULT_MAX;
}
