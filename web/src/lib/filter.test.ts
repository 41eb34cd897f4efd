import { describe, expect, it } from "vitest";

import type { RunSummary } from "@/api";
import { formatFilter, matches, parseFilter, splitTerms, toRunQuery } from "@/lib/filter";

const run = (overrides: Partial<RunSummary> = {}): RunSummary => ({
  run_id: "r1",
  job_id: "reports/daily",
  args: { region: "eu" },
  state: "success",
  times: { schedule: "2026-01-01T06:00:00Z" },
  labels: ["daily"],
  ...overrides,
});

describe("splitTerms", () => {
  it("splits on spaces and keeps quoted terms whole", () => {
    expect(splitTerms(' job:etl/  "region=us east"  word ')).toEqual(["job:etl/", "region=us east", "word"]);
    expect(splitTerms('"label:a b"')).toEqual(["label:a b"]);
    expect(splitTerms("")).toEqual([]);
  });
});

describe("parseFilter", () => {
  it("reads every kind of term", () => {
    const filter = parseFilter("state:failure,error job:fail label:x region=eu Word state:skipped");
    expect(filter).toEqual({
      job: "fail",
      labels: ["x"],
      states: ["failure", "error", "skipped"],
      args: { region: "eu" },
      keywords: ["Word"],
      errors: [],
    });
  });

  it("reports an unknown state and ignores it", () => {
    const filter = parseFilter("state:bogus,success");
    expect(filter.states).toEqual(["success"]);
    expect(filter.errors).toEqual(["state:bogus,success: no state bogus"]);
  });

  it("takes an arg whose value has a colon, and a key before the colon", () => {
    expect(parseFilter("url=http://x").args).toEqual({ url: "http://x" });
    expect(parseFilter("STATE:Failure").states).toEqual(["failure"]);
  });

  it("lets a later job: replace an earlier one", () => {
    expect(parseFilter("job:a job:b").job).toBe("b");
  });
});

describe("formatFilter", () => {
  it("round-trips, quoting terms with spaces", () => {
    const text = 'job:reports/ label:daily state:failure,error "region=us east" word';
    expect(formatFilter(parseFilter(text))).toBe(text);
    const filter = parseFilter(text);
    expect(parseFilter(formatFilter(filter))).toEqual(filter);
  });
});

describe("toRunQuery", () => {
  it("gives the service what it can filter", () => {
    expect(toRunQuery(parseFilter("job:etl/ label:a label:b state:running x=1 word"))).toEqual({
      job_prefix: "etl/",
      label: "a",
      states: ["running"],
      args: { x: "1" },
    });
    expect(toRunQuery(parseFilter(""))).toEqual({});
  });
});

describe("matches", () => {
  it("requires every term", () => {
    expect(matches(parseFilter("job:reports/ label:daily region=eu state:success DAILY"), run())).toBe(true);
    expect(matches(parseFilter("job:etl"), run())).toBe(false);
    expect(matches(parseFilter("label:weekly"), run())).toBe(false);
    expect(matches(parseFilter("region=us"), run())).toBe(false);
    expect(matches(parseFilter("state:failure"), run())).toBe(false);
    expect(matches(parseFilter("monthly"), run())).toBe(false);
  });

  it("matches a keyword that is the run ID", () => {
    expect(matches(parseFilter("r1"), run())).toBe(true);
  });
});
