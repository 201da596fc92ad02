import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { extractSamples, markdownFiles, type Sample } from "./samples.js";

// Every ```ts block in README.md and docs/**/*.md is type-checked against src/, so the docs
// cannot drift from the API. The conventions (a hidden prelude, `no-check`) are in
// docs/README.md, "Writing these docs".

const root = fileURLToPath(new URL("../..", import.meta.url));
// Under the repository, so `zod`, `pg` and the vendor SDKs resolve from its node_modules.
const scratch = join(root, "tests", "docs", `.samples-${process.pid}`);

const samples: Sample[] = markdownFiles(root).flatMap((file) => extractSamples(file, readFileSync(join(root, file), "utf8")));
const checked = samples.filter((sample) => sample.mode === "check");

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const paths = { ...parsed.options.paths };
  // Subpath exports added later (enact-sdk/ai, enact-sdk/mcp, …) resolve by their file name.
  paths["enact-sdk/*"] ??= ["./src/*.ts", "./src/*/index.ts"];
  // Samples are snippets: an unused import or local is fine; everything else is as strict as src/.
  return { ...parsed.options, paths, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("code samples in README.md and docs/", () => {
  it("finds samples, and every exemption names its reason", () => {
    expect(samples.length).toBeGreaterThan(20);
    for (const sample of samples.filter((s) => s.mode !== "check")) {
      expect(sample.reason, `${sample.file}:${sample.line} needs a reason after ${sample.mode}`).not.toBe("");
    }
  });

  it("type-check against the source", () => {
    mkdirSync(scratch, { recursive: true });
    const byPath = new Map<string, Sample>();
    checked.forEach((sample, index) => {
      const path = join(scratch, `sample-${index}.ts`);
      // `export {}` makes every sample a module: top-level await, no shared globals between samples.
      writeFileSync(path, `${sample.prelude}${sample.code}\nexport {};\n`);
      byPath.set(path, sample);
    });
    const program = ts.createProgram([...byPath.keys()], compilerOptions());
    // Only the samples' own diagnostics: src/ is checked by `tsc --noEmit`, and the checker then
    // resolves only the declarations the samples use instead of checking every body in src/.
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...[...byPath.keys()].flatMap((path) => {
        const file = program.getSourceFile(path);
        return file === undefined ? [] : [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
      }),
    ];
    const problems: string[] = [];
    for (const diagnostic of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
      const sample = diagnostic.file === undefined ? undefined : byPath.get(diagnostic.file.fileName);
      if (diagnostic.file === undefined || sample === undefined) {
        const where = diagnostic.file === undefined ? "" : `${relative(root, diagnostic.file.fileName)}: `;
        problems.push(`${where}TS${diagnostic.code} ${message}`);
        continue;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const inSample = line - sample.preludeLines;
      const where = inSample < 0 ? `${sample.file}:${sample.line} (its prelude)` : `${sample.file}:${sample.line + 1 + inSample}`;
      problems.push(`${where}: TS${diagnostic.code} ${message}`);
    }
    expect(problems, `samples that do not type-check:\n${problems.join("\n")}`).toEqual([]);
    // One compiler program for every sample; on a busy shared machine it can take a while.
  }, 180_000);
});

describe("extractSamples", () => {
  it("takes ```ts blocks with the hidden prelude directly above them, and no other language", () => {
    const markdown = ["<!-- prelude", "declare const a: number;", "-->", "```ts", "a + 1;", "```", "```sh", "ls", "```"].join("\n");
    expect(extractSamples("x.md", markdown)).toEqual([
      { file: "x.md", line: 4, mode: "check", reason: "", prelude: "declare const a: number;\n", preludeLines: 1, code: "a + 1;" },
    ]);
  });

  it("marks no-check blocks with their reason", () => {
    const markdown = ["```ts no-check shell-like", "x", "```"].join("\n");
    expect(extractSamples("x.md", markdown).map(({ mode, reason }) => ({ mode, reason }))).toEqual([{ mode: "no-check", reason: "shell-like" }]);
  });
});
