/**
 * A small, safe Markdown renderer for job descriptions (SPEC §3.1 `metadata.description`).
 *
 * Safety comes first: the whole text is HTML-escaped before any Markdown is
 * recognised, so the only tags in the result are the ones this module writes, and a
 * link's target is kept only when its scheme is harmless (http, https, mailto, or a
 * relative address). The result can therefore go into `v-html`.
 *
 * Supported: ATX headings (`#` … `######`), paragraphs, hard breaks (two trailing
 * spaces), `-`/`*`/`+` and `1.` lists (one level, with continuation lines), fenced
 * code blocks (```), indented code blocks, block quotes (one level), horizontal rules,
 * inline code, `**strong**`/`__strong__`, `*emphasis*`/`_emphasis_`,
 * `~~strike~~`, `[links](url)`, and bare `http(s)://` autolinks.
 */

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Undo `escapeHtml` (used on an already escaped URL to check its scheme). */
function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * Whether a link target (escaped) is safe to put in `href`: an absolute URL with an
 * allowed scheme, or a relative one (no scheme at all). Control characters and
 * whitespace inside the scheme are how `java\tscript:` tricks work, so they are
 * dropped before the check.
 */
export function safeUrl(escaped: string): boolean {
  // eslint-disable-next-line no-control-regex
  const raw = unescapeHtml(escaped).replace(/[\u0000-\u0020\u007f]/g, "");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (scheme === null) return true;
  return ["http", "https", "mailto"].includes(scheme[1].toLowerCase());
}

// Placeholders are NUL-delimited; NULs are removed from the source first, so any NUL
// in the text being rendered marks a placeholder.
const NUL = String.fromCharCode(0);
// eslint-disable-next-line no-control-regex
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

/** Inline Markdown of one block's (escaped) text. */
function renderInline(escaped: string): string {
  // Code spans and links are set aside first, so that emphasis markers inside them
  // (`a_b_c`, URLs with underscores) are left alone.
  const held: string[] = [];
  const hold = (html: string) => `\u0000${held.push(html) - 1}\u0000`;

  let text = escaped.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks, code: string) =>
    hold(`<code>${code.trim()}</code>`),
  );
  text = text.replace(
    /\[([^\]\n]+)\]\(\s*([^\s()]+(?:\([^\s()]*\))?[^\s()]*)(?:\s+&quot;([^\n]*?)&quot;)?\s*\)/g,
    (_m, label: string, url: string, title: string | undefined) => {
      const inner = renderEmphasis(label);
      if (!safeUrl(url)) return hold(inner);
      const titleAttr = title ? ` title="${title}"` : "";
      return hold(`<a href="${url}"${titleAttr} rel="noopener noreferrer">${inner}</a>`);
    },
  );
  text = text.replace(
    /(^|[\s(]|&lt;)(https?:\/\/(?:[^\s<&]|&amp;)*[^\s<.,;:!?)'"&])/g,
    (_m, before: string, url: string) =>
      before + hold(`<a href="${url}" rel="noopener noreferrer">${url}</a>`),
  );
  text = renderEmphasis(text);
  text = text.replace(/ {2,}\n/g, "<br>\n");
  // Placeholders may nest (a link label holding code): resolve until none is left.
  while (text.includes(NUL)) {
    text = text.replace(PLACEHOLDER, (_m, i: string) => held[Number(i)]);
  }
  return text;
}

function renderEmphasis(text: string): string {
  return text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/\*(?=[^\s*])([^*]*?[^\s*])\*/g, "<em>$1</em>")
    .replace(/\*(?=[^\s*])([^*\s])\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_]|[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}&gt;\s?(.*)$/;
const INDENTED = /^(?: {4}|\t)(.*)$/;

function isBlank(line: string): boolean {
  return line.trim() === "";
}

/** Whether `line` starts a block other than a paragraph (and so ends a paragraph). */
function startsBlock(line: string): boolean {
  return (
    HEADING.test(line) ||
    FENCE.test(line) ||
    RULE.test(line) ||
    BULLET.test(line) ||
    ORDERED.test(line) ||
    QUOTE.test(line)
  );
}

function renderBlocks(lines: string[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) code.push(lines[i++]);
      i++; // the closing fence (or the end of the text)
      const lang = fence[2] ? ` class="language-${fence[2]}"` : "";
      out.push(`<pre><code${lang}>${code.join("\n")}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${renderInline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (INDENTED.test(line)) {
      const code: string[] = [];
      while (i < lines.length && (INDENTED.test(lines[i]) || isBlank(lines[i]))) {
        code.push(lines[i].replace(/^(?: {4}|\t)/, ""));
        i++;
      }
      while (code.length > 0 && isBlank(code[code.length - 1])) code.pop();
      out.push(`<pre><code>${code.join("\n")}</code></pre>`);
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const match = QUOTE.exec(lines[i]);
        quoted.push(match ? match[1] : lines[i]);
        i++;
      }
      out.push(`<blockquote>${renderBlocks(quoted)}</blockquote>`);
      continue;
    }
    const ordered = ORDERED.test(line);
    if (ordered || BULLET.test(line)) {
      const pattern = ordered ? ORDERED : BULLET;
      const items: string[][] = [];
      const first = ordered ? Number(ORDERED.exec(line)![1]) : 1;
      while (i < lines.length) {
        const current = lines[i];
        const match = pattern.exec(current);
        if (match) {
          items.push([ordered ? match[2] : match[1]]);
        } else if (!isBlank(current) && !startsBlock(current) && items.length > 0) {
          items[items.length - 1].push(current.trim());
        } else if (isBlank(current) && i + 1 < lines.length && pattern.test(lines[i + 1])) {
          // a blank line between items keeps the list going
        } else {
          break;
        }
        i++;
      }
      const body = items.map((item) => `<li>${renderInline(item.join("\n"))}</li>`).join("");
      const start = ordered && first !== 1 ? ` start="${first}"` : "";
      out.push(ordered ? `<ol${start}>${body}</ol>` : `<ul>${body}</ul>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) {
      paragraph.push(lines[i].replace(/^\s+/, ""));
      i++;
    }
    out.push(`<p>${renderInline(paragraph.join("\n"))}</p>`);
  }
  return out.join("\n");
}

/** HTML for Markdown `source`; safe for `v-html` (see the module's note). */
export function renderMarkdown(source: string | null | undefined): string {
  if (!source) return "";
  const lines = escapeHtml(source.split(NUL).join("").replace(/\r\n?/g, "\n")).split("\n");
  return renderBlocks(lines);
}

/**
 * The first paragraph of `source` as inline HTML, for lists: headings, code blocks
 * and rules are skipped, list and quote markers dropped, and the text cut to about
 * `max` characters (at a word) with an ellipsis.
 */
export function markdownExcerpt(source: string | null | undefined, max = 160): string {
  if (!source) return "";
  const lines = source.split(NUL).join("").replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  let inFence = false;
  for (const line of lines) {
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      inFence = !inFence;
      if (kept.length > 0) break;
      continue;
    }
    if (inFence) continue;
    if (isBlank(line)) {
      if (kept.length > 0) break;
      continue;
    }
    if (/^#{1,6}\s/.test(line) || RULE.test(line)) {
      if (kept.length > 0) break;
      continue;
    }
    kept.push(line.replace(/^\s*(?:[-*+]|\d{1,9}[.)]|>)\s+/, "").trim());
  }
  let text = kept.join(" ");
  if (text.length > max) {
    const cut = text.lastIndexOf(" ", max);
    text = text.slice(0, cut > max / 2 ? cut : max).replace(/[\s,;:.]+$/, "") + "…";
  }
  // Rendered as one paragraph's inline content; unclosed markers after the cut stay
  // as text, which is harmless.
  return renderInline(escapeHtml(text));
}
