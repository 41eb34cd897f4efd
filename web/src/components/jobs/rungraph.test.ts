import { describe, expect, it } from "vitest";

import type { Job, Kind } from "@/api";

import { dependentArgs, dependsOn, edgePath, layoutGraph, logLinks, NODE_H, NODE_W, type GraphNode } from "./rungraph";

function job(job_id: string, params: string[], condition: Kind[]): Job {
  return {
    job_id,
    params,
    schedule: [],
    program: { type: "no-op", str: "no-op" },
    condition,
    action: [],
    metadata: {},
    ad_hoc: false,
  };
}

const dep = (job_id: string, args: Record<string, string> = {}): Kind => ({
  type: "dependency",
  job_id,
  args,
  states: ["success"],
  str: `dependency on ${job_id}`,
});

describe("logLinks", () => {
  it("finds the run that scheduled this one and the runs it scheduled", () => {
    expect(
      logLinks([
        "scheduled: now; scheduled by action of r5",
        "running",
        "action: scheduled noop as r7",
        "action: scheduled etl/load(date=2026-01-01) as r8",
        "action: scheduled noop as r7",
        "success",
      ]),
    ).toEqual({ scheduledBy: ["r5"], scheduled: ["r7", "r8"] });
  });
});

describe("dependentArgs", () => {
  const run = { job_id: "etl/extract", args: { date: "2026-01-01", region: "eu" } };

  it("is null for jobs that do not depend on the run's job", () => {
    expect(dependentArgs(job("x", ["date"], [dep("other")]), run)).toBeNull();
    expect(dependentArgs(job("x", [], [{ type: "const", value: true, str: "" }]), run)).toBeNull();
  });

  it("filters on the params the jobs share, unless the condition sets them", () => {
    expect(dependentArgs(job("etl/load", ["date", "mode"], [dep("etl/extract")]), run)).toEqual({
      date: "2026-01-01",
    });
    expect(
      dependentArgs(job("etl/load", ["date", "region"], [dep("etl/extract", { region: "eu" })]), run),
    ).toEqual({ date: "2026-01-01" });
  });
});

describe("dependsOn", () => {
  const run = { job_id: "etl/extract", args: { date: "2026-01-01" } };

  it("matches a bound dependency on exactly the run's instance", () => {
    expect(dependsOn({ conds: [dep("etl/extract", { date: "2026-01-01" })] }, run)).toBe(true);
    expect(dependsOn({ conds: [dep("etl/extract", { date: "2026-01-02" })] }, run)).toBe(false);
    expect(dependsOn({ conds: [dep("etl/extract", {})] }, run)).toBe(false);
    expect(dependsOn({ conds: [dep("other", { date: "2026-01-01" })] }, run)).toBe(false);
    expect(dependsOn({ conds: [] }, run)).toBe(false);
  });
});

describe("layoutGraph", () => {
  const node = (key: string): GraphNode => ({
    key, runId: key, jobId: "j", args: {}, state: "success", relation: "dependency",
  });

  it("centres the run between the columns", () => {
    const layout = layoutGraph([node("a"), node("b"), node("c")], [node("d")], 12, 760);
    expect(layout.center.x).toBe((760 - NODE_W) / 2);
    expect(layout.left.map((n) => n.x)).toEqual([8, 8, 8]);
    expect(layout.right[0].x).toBe(760 - NODE_W - 8);
    // The single downstream node sits level with the run.
    expect(layout.right[0].y).toBeCloseTo(layout.center.y);
    expect(layout.left[1].y).toBeCloseTo(layout.center.y);
    expect(layout.left[0].y).toBeGreaterThanOrEqual(0);
    expect(layout.left[2].y + NODE_H).toBeLessThanOrEqual(layout.height);
  });

  it("caps each side and counts the rest", () => {
    const many = Array.from({ length: 15 }, (_, i) => node(`r${i}`));
    const layout = layoutGraph(many, [], 12);
    expect(layout.left).toHaveLength(12);
    expect(layout.hiddenLeft).toBe(3);
    expect(layout.hiddenRight).toBe(0);
  });

  it("draws edges between box edges", () => {
    expect(edgePath({ x: 0, y: 0 }, { x: 300, y: 100 })).toBe(
      `M${NODE_W},${NODE_H / 2} C${(NODE_W + 300) / 2},${NODE_H / 2} ${(NODE_W + 300) / 2},${100 + NODE_H / 2} 300,${100 + NODE_H / 2}`,
    );
  });
});
