import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "enact-sdk";
import { JOURNAL_VERSION, sealedText } from "../../src/journal/entry.js";

// Any UTF-16 code unit, lone surrogates included: journal files are input an attacker may write.
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 80 });

function outcome(compute: () => string): { text: string } | { threw: string } {
  try {
    return { text: compute() };
  } catch (error) {
    return { threw: String(error) };
  }
}

describe("sealedText (what a journal entry's MAC covers)", () => {
  it("is byte for byte the canonical JSON of the entry's fields", () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), anyString, anyString, anyString, (seq, runId, signature, prev) => {
        const fields = { v: JOURNAL_VERSION, seq, runId, signature, prev };
        // canonicalJson refuses lone surrogates (RFC 8785 has no form for them); sealedText must too.
        expect(outcome(() => sealedText(fields))).toEqual(outcome(() => canonicalJson(fields)));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes a typical entry in RFC 8785 key order", () => {
    const fields = { v: JOURNAL_VERSION, seq: 41, runId: "0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f", signature: "ab".repeat(32), prev: "0".repeat(64) };
    expect(sealedText(fields)).toBe(
      `{"prev":"${"0".repeat(64)}","runId":"0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f","seq":41,"signature":"${"ab".repeat(32)}","v":1}`,
    );
  });
});

describe("openEntry (reading a journal line an attacker may have written)", () => {
  it("reports an entry holding a lone surrogate as malformed instead of throwing", async () => {
    const { openEntry } = await import("../../src/journal/entry.js");
    const { JournalKey } = await import("enact-sdk");
    const key = JournalKey.fromSecret("journal-test-secret-0123456789abcdef");
    const raw = { v: JOURNAL_VERSION, seq: 0, runId: "\uD800", signature: "s", prev: "0".repeat(64), mac: "0".repeat(64) };
    expect(openEntry(key, raw)).toBe("has malformed fields");
  });
});
