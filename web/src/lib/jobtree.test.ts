import { describe, expect, it } from "vitest";

import {
  allLabels,
  breadcrumbs,
  buildTree,
  dirPaths,
  EMPTY_FILTER,
  expandedByDefault,
  matchesJob,
  normalizePath,
  parseJobFilter,
  visibleRows,
  type JobLike,
} from "./jobtree";

const job = (job_id: string, labels: string[] = [], description?: string): JobLike => ({
  job_id,
  metadata: { labels, description },
});

const JOBS = [
  job("greet", ["demo"], "Greets **someone** in green."),
  job("noop"),
  job("reports/daily", ["daily"], "The daily report, per region."),
  job("reports/weekly", ["weekly"]),
  job("etl/extract"),
  job("etl/load"),
  job("etl/deep/er/job"),
];

describe("parseJobFilter", () => {
  it("splits keywords and label terms", () => {
    expect(parseJobFilter("  etl  label:daily load labels:a,b ")).toEqual({
      keywords: ["etl", "load"],
      labels: ["daily", "a", "b"],
    });
    expect(parseJobFilter("")).toEqual(EMPTY_FILTER);
    expect(parseJobFilter(undefined)).toEqual(EMPTY_FILTER);
  });
});

describe("matchesJob", () => {
  it("needs every keyword somewhere in ID, labels or description, case-insensitively", () => {
    expect(matchesJob(JOBS[3], parseJobFilter("weekly"))).toBe(true);
    expect(matchesJob(JOBS[2], parseJobFilter("REPORTS region"))).toBe(true);
    expect(matchesJob(JOBS[2], parseJobFilter("reports weekly"))).toBe(false);
    expect(matchesJob(JOBS[0], parseJobFilter("someone"))).toBe(true);
  });

  it("needs every label exactly", () => {
    expect(matchesJob(JOBS[2], parseJobFilter("label:daily"))).toBe(true);
    expect(matchesJob(JOBS[2], parseJobFilter("label:dai"))).toBe(false);
    expect(matchesJob(job("x", ["a", "b"]), parseJobFilter("label:a label:b"))).toBe(true);
    expect(matchesJob(job("x", ["a"]), parseJobFilter("label:a,b"))).toBe(false);
  });

  it("tolerates jobs without metadata", () => {
    expect(matchesJob({ job_id: "bare" }, parseJobFilter("bare"))).toBe(true);
    expect(matchesJob({ job_id: "bare", metadata: null }, parseJobFilter("label:x"))).toBe(false);
  });
});

describe("buildTree", () => {
  it("groups jobs by path, folders first, sorted, with counts", () => {
    const tree = buildTree(JOBS);
    expect(tree.count).toBe(7);
    expect(tree.dirs.map((d) => d.name)).toEqual(["etl", "reports"]);
    expect(tree.jobs.map((j) => j.path)).toEqual(["greet", "noop"]);
    const etl = tree.dirs[0];
    expect(etl.count).toBe(3);
    expect(etl.path).toBe("etl");
    expect(etl.jobs.map((j) => j.name)).toEqual(["extract", "load"]);
    expect(etl.dirs[0].path).toBe("etl/deep");
    expect(etl.dirs[0].dirs[0].jobs[0].path).toBe("etl/deep/er/job");
  });

  it("roots the tree at a folder", () => {
    const tree = buildTree(JOBS, "/etl/");
    expect(tree.path).toBe("etl");
    expect(tree.count).toBe(3);
    expect(tree.jobs.map((j) => j.name)).toEqual(["extract", "load"]);
    expect(tree.dirs.map((d) => d.path)).toEqual(["etl/deep"]);
    // A prefix that is not a whole component is not a folder.
    expect(buildTree(JOBS, "et").count).toBe(0);
  });

  it("keeps a job named by the root itself", () => {
    const tree = buildTree(JOBS, "greet");
    expect(tree.jobs.map((j) => j.path)).toEqual(["greet"]);
  });

  it("drops jobs the filter rejects, and folders left empty", () => {
    const tree = buildTree(JOBS, "", parseJobFilter("weekly"));
    expect(tree.count).toBe(1);
    expect(tree.jobs).toEqual([]);
    expect(tree.dirs.map((d) => d.path)).toEqual(["reports"]);
    expect(tree.dirs[0].jobs.map((j) => j.path)).toEqual(["reports/weekly"]);
  });
});

describe("visibleRows", () => {
  it("lists only the contents of expanded folders, with depths", () => {
    const tree = buildTree(JOBS);
    const open = new Set(["etl"]);
    const rows = visibleRows(tree, (path) => open.has(path));
    expect(rows.map((r) => [r.kind, r.path, r.depth])).toEqual([
      ["dir", "etl", 0],
      ["dir", "etl/deep", 1],
      ["job", "etl/extract", 1],
      ["job", "etl/load", 1],
      ["dir", "reports", 0],
      ["job", "greet", 0],
      ["job", "noop", 0],
    ]);
    expect(rows[0]).toMatchObject({ expanded: true, count: 3 });
    expect(rows[4]).toMatchObject({ expanded: false, count: 2 });
  });

  it("lists everything when every folder is open", () => {
    const rows = visibleRows(buildTree(JOBS), () => true);
    expect(rows.filter((r) => r.kind === "job")).toHaveLength(7);
  });
});

describe("helpers", () => {
  it("lists folder paths", () => {
    expect(dirPaths(buildTree(JOBS))).toEqual(["etl", "etl/deep", "etl/deep/er", "reports"]);
  });

  it("normalizes paths and builds breadcrumbs", () => {
    expect(normalizePath(["etl", "deep"])).toBe("etl/deep");
    expect(normalizePath("//a//b/")).toBe("a/b");
    expect(normalizePath(undefined)).toBe("");
    expect(breadcrumbs("etl/deep/er")).toEqual([
      { name: "etl", path: "etl" },
      { name: "deep", path: "etl/deep" },
      { name: "er", path: "etl/deep/er" },
    ]);
  });

  it("collects labels", () => {
    expect(allLabels(JOBS)).toEqual(["daily", "demo", "weekly"]);
  });

  it("opens small or filtered trees by default", () => {
    expect(expandedByDefault(buildTree(JOBS), EMPTY_FILTER)).toBe(true);
    const many = Array.from({ length: 300 }, (_, i) => job(`d/j${i}`));
    expect(expandedByDefault(buildTree(many), EMPTY_FILTER)).toBe(false);
    expect(expandedByDefault(buildTree(many), parseJobFilter("j1"))).toBe(true);
  });
});
