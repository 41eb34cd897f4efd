import { describe, expect, it } from "vitest";

import { escapeHtml, markdownExcerpt, renderMarkdown, safeUrl } from "./markdown";

describe("renderMarkdown", () => {
  it("renders nothing for an empty or missing description", () => {
    expect(renderMarkdown("")).toBe("");
    expect(renderMarkdown(undefined)).toBe("");
    expect(renderMarkdown(null)).toBe("");
  });

  it("wraps text in paragraphs split on blank lines", () => {
    expect(renderMarkdown("one\ntwo\n\nthree")).toBe("<p>one\ntwo</p>\n<p>three</p>");
  });

  it("renders emphasis, strong, strike and inline code", () => {
    expect(renderMarkdown("Greets **someone** in green.")).toBe(
      "<p>Greets <strong>someone</strong> in green.</p>",
    );
    expect(renderMarkdown("an *em* and _also_ and __strong__ ~~gone~~")).toBe(
      "<p>an <em>em</em> and <em>also</em> and <strong>strong</strong> <del>gone</del></p>",
    );
    expect(renderMarkdown("run `apsis **show**` now")).toBe(
      "<p>run <code>apsis **show**</code> now</p>",
    );
  });

  it("leaves underscores inside words alone", () => {
    expect(renderMarkdown("snake_case_name")).toBe("<p>snake_case_name</p>");
  });

  it("renders headings of every level", () => {
    expect(renderMarkdown("# Title\n### Sub *x* ###")).toBe(
      "<h1>Title</h1>\n<h3>Sub <em>x</em></h3>",
    );
    expect(renderMarkdown("####### seven")).toBe("<p>####### seven</p>");
  });

  it("renders bullet and ordered lists with continuation lines", () => {
    expect(renderMarkdown("- a\n- b\n  more\n\n1. x\n2. y")).toBe(
      "<ul><li>a</li><li>b\nmore</li></ul>\n<ol><li>x</li><li>y</li></ol>",
    );
    expect(renderMarkdown("3. c\n4. d")).toBe('<ol start="3"><li>c</li><li>d</li></ol>');
    expect(renderMarkdown("text\n- item")).toBe("<p>text</p>\n<ul><li>item</li></ul>");
  });

  it("renders fenced and indented code verbatim, escaped", () => {
    expect(renderMarkdown("```sh\necho *not em* <b>\n```")).toBe(
      '<pre><code class="language-sh">echo *not em* &lt;b&gt;</code></pre>',
    );
    expect(renderMarkdown("para\n\n    code line\n    two")).toBe(
      "<p>para</p>\n<pre><code>code line\ntwo</code></pre>",
    );
  });

  it("renders block quotes and rules", () => {
    expect(renderMarkdown("> quoted **bold**\n> more")).toBe(
      "<blockquote><p>quoted <strong>bold</strong>\nmore</p></blockquote>",
    );
    expect(renderMarkdown("a\n\n---\n\nb")).toBe("<p>a</p>\n<hr>\n<p>b</p>");
  });

  it("renders links with safe targets", () => {
    expect(renderMarkdown("see [the docs](https://example.com/a_b?x=1&y=2)")).toBe(
      '<p>see <a href="https://example.com/a_b?x=1&amp;y=2" rel="noopener noreferrer">the docs</a></p>',
    );
    expect(renderMarkdown("[job](/job/etl/load)")).toBe(
      '<p><a href="/job/etl/load" rel="noopener noreferrer">job</a></p>',
    );
    expect(renderMarkdown("[*x*](mailto:ops@example.com \"Mail\")")).toBe(
      '<p><a href="mailto:ops@example.com" title="Mail" rel="noopener noreferrer"><em>x</em></a></p>',
    );
  });

  it("autolinks bare URLs", () => {
    expect(renderMarkdown("at https://example.com/x_y_z.")).toBe(
      '<p>at <a href="https://example.com/x_y_z" rel="noopener noreferrer">https://example.com/x_y_z</a>.</p>',
    );
    expect(renderMarkdown("<https://example.com>")).toBe(
      '<p>&lt;<a href="https://example.com" rel="noopener noreferrer">https://example.com</a>&gt;</p>',
    );
  });

  it("renders a hard break for two trailing spaces", () => {
    expect(renderMarkdown("one  \ntwo")).toBe("<p>one<br>\ntwo</p>");
  });
});

describe("renderMarkdown safety", () => {
  it("escapes raw HTML everywhere", () => {
    const html = renderMarkdown('<script>alert("x")</script>\n\n# <img src=x onerror=alert(1)>');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("drops link targets with dangerous schemes but keeps the text", () => {
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x"]) {
      const html = renderMarkdown(`[click](${url})`);
      expect(html).toBe("<p>click</p>");
    }
  });

  it("cannot break out of an href attribute", () => {
    const html = renderMarkdown('[x](https://a.example/"onmouseover="alert(1))');
    expect(html).not.toMatch(/href="[^"]*"\s*onmouseover/);
  });

  it("ignores NUL characters that could pose as placeholders", () => {
    expect(renderMarkdown("a\u00000\u0000 `x`")).toBe("<p>a0 <code>x</code></p>");
  });

  it("keeps escaped text inside code", () => {
    expect(renderMarkdown("`<b>&`")).toBe("<p><code>&lt;b&gt;&amp;</code></p>");
  });
});

describe("safeUrl", () => {
  it("accepts relative and http(s)/mailto URLs only", () => {
    expect(safeUrl("https://x")).toBe(true);
    expect(safeUrl("http://x")).toBe(true);
    expect(safeUrl("mailto:a@b")).toBe(true);
    expect(safeUrl("/runs/r1")).toBe(true);
    expect(safeUrl("#frag")).toBe(true);
    expect(safeUrl("javascript:x")).toBe(false);
    expect(safeUrl(escapeHtml("java\tscript:x"))).toBe(false);
    expect(safeUrl("ftp://x")).toBe(false);
  });
});

describe("markdownExcerpt", () => {
  it("takes the first paragraph, inline, skipping headings", () => {
    expect(markdownExcerpt("# Title\n\nFirst **para**\nline two.\n\nSecond.")).toBe(
      "First <strong>para</strong> line two.",
    );
  });

  it("drops list markers and cuts long text at a word", () => {
    expect(markdownExcerpt("- item one")).toBe("item one");
    const long = "word ".repeat(100);
    const excerpt = markdownExcerpt(long, 40);
    expect(excerpt.endsWith("…")).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(41);
  });

  it("is escaped", () => {
    expect(markdownExcerpt("<b>x</b>")).toBe("&lt;b&gt;x&lt;/b&gt;");
  });

  it("is empty without a description", () => {
    expect(markdownExcerpt(undefined)).toBe("");
  });
});
