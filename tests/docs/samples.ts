import { readdirSync } from "node:fs";
import { join } from "node:path";

/** A fenced ```ts block of a Markdown file, with what the docs test does with it. */
/** README.md (and `extra` top-level pages) and every Markdown page under docs/, sorted. */
export function markdownFiles(root: string, extra: readonly string[] = []): string[] {
  const files = ["README.md", ...extra];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk("docs");
  return files.sort();
}

export interface Sample {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** `check`: type-checked. `no-check`: never (pseudo code). */
  mode: "check" | "no-check";
  /** Why a sample is not checked: the text after `no-check`. */
  reason: string;
  /** Hidden code from an `<!-- prelude … -->` comment just above the fence, compiled before the sample. */
  prelude: string;
  preludeLines: number;
  code: string;
}

const FENCE = /^```ts(?:\s+(no-check)\b\s*(.*))?\s*$/;

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
      mode: (match[1] as "no-check" | undefined) ?? "check",
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
