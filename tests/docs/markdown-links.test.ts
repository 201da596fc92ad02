import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { markdownFiles } from "./samples.js";

// Every relative link in README.md, SPEC.md and docs/ must lead to a file that exists and, when it
// names a heading (#anchor), to a heading that exists: docs split across pages rot by their links.

const root = fileURLToPath(new URL("../..", import.meta.url));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1] !== undefined) anchors.add(slug(heading[1]));
  }
  return anchors;
}

function linksOf(markdown: string): Array<{ target: string; line: number }> {
  const links: Array<{ target: string; line: number }> = [];
  let inFence = false;
  markdown.split("\n").forEach((text, index) => {
    if (/^```/.test(text)) inFence = !inFence;
    if (inFence) return;
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) links.push({ target: match[1] ?? "", line: index + 1 });
  });
  return links;
}

describe("links in README.md, SPEC.md and docs/", () => {
  it("makes GitHub's anchors from headings", () => {
    expect(slug("What `run()` guarantees")).toBe("what-run-guarantees");
    expect(slug("Approvals, refusals, cutout and kill switch")).toBe("approvals-refusals-cutout-and-kill-switch");
  });

  it("lead to files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of markdownFiles(root, ["SPEC.md"])) {
      for (const { target, line } of linksOf(readFileSync(join(root, file), "utf8"))) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? join(root, file) : normalize(join(root, dirname(file), path));
        if (!existsSync(resolved)) {
          broken.push(`${file}:${line}: ${target} (no ${relative(root, resolved)})`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${file}:${line}: ${target} (no heading #${anchor})`);
        }
      }
    }
    expect(broken, `broken links:\n${broken.join("\n")}`).toEqual([]);
  });
});
