import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "enact-sdk";
import { chainEntries, chainLines, entryLine, GENESIS, JOURNAL_VERSION, openEntry, openWrittenLine, sealedText, type JournalEntry } from "../../src/journal/entry.js";
import { JournalKey } from "../../src/journal/key.js";

// Any UTF-16 code unit, lone surrogates included: journal files are input an attacker may write.
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 80 });

const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

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

describe("chainLines (a segment's entries and their lines, quoted once)", () => {
  const key = JournalKey.fromSecret("journal-test-secret-0123456789abcdef");

  /** The entries and lines as the journal's format defines them, one field at a time. */
  function reference(seq: number, prev: string, items: readonly { runId: string; signature: string }[]): { entries: JournalEntry[]; text: string } {
    const entries: JournalEntry[] = [];
    let text = "";
    for (const { runId, signature } of items) {
      seq += 1;
      const mac = key.mac(canonicalJson({ v: JOURNAL_VERSION, seq, runId, signature, prev }));
      entries.push({ v: JOURNAL_VERSION, seq, runId, signature, prev, mac });
      text += `${JSON.stringify({ v: JOURNAL_VERSION, seq, runId, signature, prev, mac })}\n`;
      prev = mac;
    }
    return { entries, text };
  }

  it("chains and writes exactly what the format defines, for any strings", () => {
    const item = fc.record({ runId: anyString, signature: anyString });
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.array(item, { maxLength: 5 }), (seq, items) => {
        const head = { seq: seq - 1, mac: GENESIS };
        // Lone surrogates have no canonical form: both refuse them.
        expect(outcome(() => JSON.stringify(chainLines(key, head, items)))).toEqual(outcome(() => JSON.stringify(reference(seq - 1, GENESIS, items))));
      }),
      { numRuns: 1000 },
    );
  });

  it("gives the lines entryLine writes for the entries chainEntries seals", () => {
    const items = [{ runId: "0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f", signature: "ab".repeat(32) }, { runId: 'quote " and \\ backslash', signature: "\u0001" }];
    const { entries, text } = chainLines(key, { seq: 6, mac: GENESIS }, items);
    expect(entries).toEqual(chainEntries(key, { seq: 6, mac: GENESIS }, items));
    expect(text).toBe(entries.map(entryLine).join(""));
  });
});

describe("openEntry (reading a journal line an attacker may have written)", () => {
  it("reports an entry holding a lone surrogate as malformed instead of throwing", () => {
    const key = JournalKey.fromSecret("journal-test-secret-0123456789abcdef");
    const raw = { v: JOURNAL_VERSION, seq: 0, runId: "\uD800", signature: "s", prev: "0".repeat(64), mac: "0".repeat(64) };
    expect(openEntry(key, raw)).toBe("has malformed fields");
  });
});

describe("openWrittenLine (a journal line read without JSON.parse)", () => {
  const key = JournalKey.fromSecret("journal-test-secret-0123456789abcdef");
  const other = JournalKey.fromSecret("another-journal-secret-0123456789abcdef");

  /** Entry `seq` as the journal writes it, and its line without the newline. */
  function written(sealer: JournalKey, seq: number, runId: string, signature: string): { entry: JournalEntry; line: string } {
    const entry = chainEntries(sealer, { seq: seq - 1, mac: GENESIS }, [{ runId, signature }])[0] as JournalEntry;
    return { entry, line: entryLine(entry).trimEnd() };
  }

  // Lines as the journal writes them (usual and unusual strings), then edited the way an attacker might.
  const text = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), anyString);
  const lines = fc
    .tuple(fc.oneof(fc.nat({ max: 1000 }), fc.nat({ max: Number.MAX_SAFE_INTEGER })), text, text, fc.boolean())
    // The journal cannot seal a lone surrogate (no canonical form), so it never writes one.
    .filter(([, runId, signature]) => isWellFormed(runId) && isWellFormed(signature))
    .map(([seq, runId, signature, sealedByOther]) => written(sealedByOther ? other : key, seq, runId, signature).line);
  const insertion = fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 3 }), anyString.map((chars) => chars.slice(0, 3))));
  const edits = fc.oneof(
    { arbitrary: fc.constant((line: string) => line), weight: 8 },
    fc.constant((line: string) => line.replace('"seq":', '"seq":0')),
    fc.constant((line: string) => line.replace('"v":1', '"v":1.0')),
    fc.constant((line: string) => line.replace(/"runId":"./, '"runId":"\\u0041')),
    fc.constant((line: string) => line.replace(/,"mac"/, ' ,"mac"')),
    fc.constant((line: string) => line.replace(/}$/, ',"extra":1}')),
    fc.constant((line: string) => line.replace(/"signature":"[^"]*"/, '"signature":7')),
    insertion.map(([at, chars]) => (line: string) => line.slice(0, at % (line.length + 1)) + chars + line.slice(at % (line.length + 1))),
  );

  it("reads a line exactly as openEntry reads its JSON, or leaves it to openEntry", () => {
    let fastPathTaken = 0;
    fc.assert(
      fc.property(lines, edits, (line, edit) => {
        const edited = edit(line);
        const fast = openWrittenLine(key, edited);
        if (fast === undefined) return;
        fastPathTaken += 1;
        expect(fast).toEqual(openEntry(key, JSON.parse(edited)));
      }),
      { numRuns: 3000 },
    );
    // The comparison above only runs on the fast path: it must have been taken often enough to mean something.
    expect(fastPathTaken).toBeGreaterThan(300);
  });

  it("reads every line the journal writes itself, and rejects one sealed with another secret", () => {
    const { entry, line } = written(key, 7, "0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f", "ab".repeat(32));
    expect(openWrittenLine(key, line)).toEqual(entry);
    expect(openWrittenLine(other, line)).toMatch(/wrong MAC/);
  });

  it("leaves to JSON.parse a line with a raw control character, which JSON does not allow in a string", () => {
    const { line } = written(key, 0, "a-b", "ab".repeat(32));
    for (const control of ["\t", "\n", "\u0000", "\u001f"]) {
      expect(openWrittenLine(key, line.replace("a-b", `a${control}b`))).toBeUndefined();
    }
  });
});
