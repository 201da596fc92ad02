import picocolors from "picocolors";

/** Colour functions for one stream; identity functions when colour is off. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
 * (https://no-color.org). Piped or redirected output is plain text without escape codes.
 */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return picocolors.createColors(stream.isTTY === true && !noColor && env.TERM !== "dumb");
}

// C0 and C1 controls (ESC starts terminal escape sequences; U+009B is a one-byte CSI), line and
// paragraph separators, bidirectional marks, embeddings, overrides and isolates that can make text
// read differently, and invisible characters (zero-width space and joiners, word joiner and
// invisible operators, byte order mark, soft hyphen, Mongolian vowel separator, interlinear
// annotation marks) that make `ceo@acme.com\u200b` print like `ceo@acme.com`.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

// What JSON.stringify leaves unescaped of the above (it escapes U+0000–U+001F itself).
const UNSAFE_IN_JSON =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

/**
 * Makes text from a receipt safe to print: receipts hold what agents sent, and an agent must not
 * be able to rewrite an auditor's terminal (hide a FAIL, fake a VALID) with escape sequences.
 * Controls are shown as `\u{1b}`-style escapes.
 */
export function clean(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`);
}

/**
 * `JSON.stringify(value, null, 2)` with the characters `clean()` escapes written as `\uXXXX`:
 * the same JSON value, which cannot rewrite or disguise itself on the terminal it is printed on.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `clean()`s and shortens `text` to `max` characters. */
export function brief(text: string, max: number): string {
  const safe = clean(text);
  return safe.length <= max ? safe : `${safe.slice(0, max - 1)}…`;
}

/** Compact JSON of any value, for one-line summaries. */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Writes lines to a stream, each ended with a newline. */
export function writeLines(stream: NodeJS.WritableStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
}
