/** A fenced ```ts block of a Markdown file, with what the docs test does with it. */
export interface Sample {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** `check`: type-checked. `no-check`: never (pseudo code). `awaits`: an API on an unmerged branch. */
  mode: "check" | "no-check" | "awaits";
  /** Why a sample is not checked: the text after `no-check` or `awaits`. */
  reason: string;
  /** Hidden code from an `<!-- prelude … -->` comment just above the fence, compiled before the sample. */
  prelude: string;
  preludeLines: number;
  code: string;
}

const FENCE = /^```ts(?:\s+(no-check|awaits)\b\s*(.*))?\s*$/;

/**
 * The ```ts blocks of `markdown`. Other languages (```sh, ```json, ```text) are not code to check.
 * A block may be preceded, directly, by a comment holding declarations it assumes:
 *
 *     <!-- prelude
 *     declare const enact: EnactClient;
 *     -->
 */
export function extractSamples(file: string, markdown: string): Sample[] {
  const lines = markdown.split("\n");
  const samples: Sample[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = FENCE.exec(lines[index] ?? "");
    if (match === null) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index] ?? ""); index++) body.push(lines[index] ?? "");
    const prelude = preludeAbove(lines, start);
    samples.push({
      file,
      line: start + 1,
      mode: (match[1] as "no-check" | "awaits" | undefined) ?? "check",
      reason: (match[2] ?? "").trim(),
      prelude: prelude.length === 0 ? "" : `${prelude.join("\n")}\n`,
      preludeLines: prelude.length,
      code: body.join("\n"),
    });
  }
  return samples;
}

function preludeAbove(lines: readonly string[], fence: number): string[] {
  if (lines[fence - 1]?.trim() !== "-->") return [];
  for (let index = fence - 2; index >= 0; index--) {
    if (lines[index]?.trim() === "<!-- prelude") return lines.slice(index + 1, fence - 1);
  }
  return [];
}
