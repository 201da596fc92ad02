import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { receiptFilePath, receiptFilePaths } from "../../src/journal/file-source.js";

describe("receiptFilePaths (a listed receipt's path without path.join)", () => {
  it("gives receiptFilePath for every directory and run id", () => {
    const segment = fc.constantFrom("", ".", "..", "receipts", "a b", "x.json", "~", "C:");
    const directory = fc.array(segment, { maxLength: 5 }).chain((segments) => fc.constantFrom(segments.join("/"), `/${segments.join("/")}`, `${segments.join("//")}/`));
    fc.assert(
      fc.property(directory, fc.uuid(), (dir, runId) => {
        expect(receiptFilePaths(dir)(runId)).toBe(receiptFilePath(dir, runId));
      }),
      { numRuns: 1000 },
    );
  });
});
