/**
 * ANSI escape sequences in program output → styled text segments.
 *
 * SGR (`ESC [ … m`) sets colours and attributes: 16 colours (30–37, 90–97, 40–47,
 * 100–107), 256 colours (38;5;N), true colour (38;2;R;G;B), bold, dim, italic,
 * underline, inverse, strike, and their resets. Every other escape sequence (cursor
 * moves, OSC titles, …) is dropped. Output arrives in pieces, so the parser keeps its
 * state and any escape cut at the end of a piece for the next one.
 *
 * Segments are plain text plus classes and a style string: the view renders them with
 * text interpolation, so output is never HTML.
 */

export interface AnsiStyle {
  /** 0–15 (a palette class) or `#rrggbb`; null: the default */
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
}

export interface Segment {
  text: string;
  /** CSS classes: `ansi-fg-2`, `ansi-bold`, … */
  classes: string[];
  /** inline CSS for 256 and true colours: `color: #5f87af` */
  css: string;
}

export function plainStyle(): AnsiStyle {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false };
}

const CUBE = [0, 95, 135, 175, 215, 255];
const hex = (n: number): string => n.toString(16).padStart(2, "0");

/** The colour of a 256-colour index: 0–15 stay palette indexes, the rest are `#rrggbb`. */
export function color256(n: number): number | string {
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    return `#${hex(CUBE[Math.floor(i / 36)])}${hex(CUBE[Math.floor(i / 6) % 6])}${hex(CUBE[i % 6])}`;
  }
  const grey = 8 + (n - 232) * 10;
  return `#${hex(grey)}${hex(grey)}${hex(grey)}`;
}

/** Apply SGR parameters (`"1;32"`) to `style`, in place. */
export function applySgr(style: AnsiStyle, params: string): void {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) Object.assign(style, plainStyle());
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 9) style.strike = true;
    else if (code === 22) style.bold = style.dim = false;
    else if (code === 23) style.italic = false;
    else if (code === 24) style.underline = false;
    else if (code === 27) style.inverse = false;
    else if (code === 29) style.strike = false;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code === 39) style.fg = null;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code === 49) style.bg = null;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      let color: number | string | null = null;
      if (codes[i + 1] === 5 && i + 2 < codes.length) {
        color = color256(Math.max(0, Math.min(255, codes[i + 2])));
        i += 2;
      } else if (codes[i + 1] === 2 && i + 4 < codes.length) {
        const [r, g, b] = codes.slice(i + 2, i + 5).map((c) => Math.max(0, Math.min(255, c)));
        color = `#${hex(r)}${hex(g)}${hex(b)}`;
        i += 4;
      } else {
        break; // malformed: ignore the rest
      }
      if (code === 38) style.fg = color;
      else style.bg = color;
    }
  }
}

function render(style: AnsiStyle): { classes: string[]; css: string } {
  const classes: string[] = [];
  const css: string[] = [];
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    [fg, bg] = [bg ?? "default-bg", fg ?? "default-fg"];
  }
  for (const [kind, color] of [["fg", fg], ["bg", bg]] as const) {
    if (color === null) continue;
    if (typeof color === "number") classes.push(`ansi-${kind}-${color}`);
    else if (color === "default-bg" || color === "default-fg") classes.push(`ansi-${kind}-${color}`);
    else css.push(`${kind === "fg" ? "color" : "background-color"}: ${color}`);
  }
  if (style.bold) classes.push("ansi-bold");
  if (style.dim) classes.push("ansi-dim");
  if (style.italic) classes.push("ansi-italic");
  if (style.underline) classes.push("ansi-underline");
  if (style.strike) classes.push("ansi-strike");
  return { classes, css: css.join("; ") };
}

// ESC [ params final | ESC ] … (BEL | ESC \) | ESC and one more character.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b(?:\[([0-9;:?<=>]*)([ -/]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[^[\]])/g;

export class AnsiParser {
  private style = plainStyle();
  private rest = "";

  /** The segments of `text`, continuing from what was fed before. */
  feed(text: string): Segment[] {
    let input = this.rest + text;
    this.rest = "";
    // An escape cut short at the end waits for the next piece.
    const cut = input.lastIndexOf("\x1b");
    if (cut >= 0 && !isComplete(input.slice(cut))) {
      this.rest = input.slice(cut);
      input = input.slice(0, cut);
    }
    const segments: Segment[] = [];
    let last = 0;
    const push = (piece: string): void => {
      if (!piece) return;
      const { classes, css } = render(this.style);
      const prev = segments[segments.length - 1];
      if (prev && prev.css === css && prev.classes.join(" ") === classes.join(" ")) prev.text += piece;
      else segments.push({ text: piece, classes, css });
    };
    for (const match of input.matchAll(ESCAPE)) {
      push(input.slice(last, match.index));
      last = match.index + match[0].length;
      if (match[3] === "m" && !match[2] && !/[?<=>]/.test(match[1] ?? "")) applySgr(this.style, match[1] ?? "");
    }
    push(input.slice(last));
    return segments;
  }
}

function isComplete(escape: string): boolean {
  ESCAPE.lastIndex = 0;
  const match = ESCAPE.exec(escape);
  ESCAPE.lastIndex = 0;
  return match !== null && match.index === 0;
}

/** The segments of a whole text at once. */
export function ansiToSegments(text: string): Segment[] {
  return new AnsiParser().feed(text);
}

/** The text without any escape sequence. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}
