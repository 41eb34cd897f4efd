import { describe, expect, it } from "vitest";

import { AnsiParser, ansiToSegments, color256, stripAnsi } from "@/lib/ansi";

describe("ansiToSegments", () => {
  it("leaves plain text as one unstyled segment", () => {
    expect(ansiToSegments("hello\nworld")).toEqual([{ text: "hello\nworld", classes: [], css: "" }]);
  });

  it("colours text between SGR codes and resets", () => {
    const segments = ansiToSegments("\x1b[32mhello world\x1b[0m\ndone");
    expect(segments).toEqual([
      { text: "hello world", classes: ["ansi-fg-2"], css: "" },
      { text: "\ndone", classes: [], css: "" },
    ]);
  });

  it("combines attributes and bright colours, and resets them one by one", () => {
    const segments = ansiToSegments("\x1b[1;91;44ma\x1b[22mb\x1b[39;49mc");
    expect(segments.map((s) => [s.text, s.classes])).toEqual([
      ["a", ["ansi-fg-9", "ansi-bg-4", "ansi-bold"]],
      ["b", ["ansi-fg-9", "ansi-bg-4"]],
      ["c", []],
    ]);
  });

  it("renders 256 and true colours as inline CSS", () => {
    expect(ansiToSegments("\x1b[38;5;67mx")[0].css).toBe("color: #5f87af");
    expect(ansiToSegments("\x1b[48;2;1;2;255mx")[0].css).toBe("background-color: #0102ff");
    expect(color256(3)).toBe(3);
    expect(color256(232)).toBe("#080808");
  });

  it("swaps colours for inverse", () => {
    expect(ansiToSegments("\x1b[7;31mx")[0].classes).toEqual(["ansi-fg-default-bg", "ansi-bg-1"]);
  });

  it("drops other escape sequences and never produces markup", () => {
    const segments = ansiToSegments("\x1b[2J\x1b[1;1H\x1b]0;title\x07<b>&amp;</b>");
    expect(segments).toEqual([{ text: "<b>&amp;</b>", classes: [], css: "" }]);
  });

  it("treats an empty SGR as a reset", () => {
    expect(ansiToSegments("\x1b[31ma\x1b[mb").map((s) => s.classes)).toEqual([["ansi-fg-1"], []]);
  });
});

describe("AnsiParser", () => {
  it("keeps an escape cut between pieces for the next piece", () => {
    const parser = new AnsiParser();
    expect(parser.feed("a\x1b[3")).toEqual([{ text: "a", classes: [], css: "" }]);
    expect(parser.feed("2mb")).toEqual([{ text: "b", classes: ["ansi-fg-2"], css: "" }]);
  });

  it("keeps the style from one piece to the next", () => {
    const parser = new AnsiParser();
    parser.feed("\x1b[33m");
    expect(parser.feed("x")[0].classes).toEqual(["ansi-fg-3"]);
  });
});

describe("stripAnsi", () => {
  it("removes every escape", () => {
    expect(stripAnsi("\x1b[32mhello\x1b[0m \x1b]0;t\x07!")).toBe("hello !");
  });
});
