import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "enact-sdk";
import { EMPTY_HEAD } from "../../src/journal/entry.js";
import { JournalKey } from "../../src/journal/key.js";
import { chainWriterEntries, openWriterEntry, WRITER_JOURNAL_VERSION } from "../../src/journal/writer-entry.js";

const key = JournalKey.fromSecret("writer-entry-test-secret-0123456789abcdef-0123456789");

// Well-formed strings of any code points (lone surrogates have no RFC 8785 form at all), and the
// ASCII that the append's shortcut writes itself, quotes and backslashes included.
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }));

describe("chainWriterEntries", () => {
  it("MACs exactly the RFC 8785 form of each entry's fields, whatever its strings (the append's shortcut included)", () => {
    fc.assert(
      fc.property(anyText, fc.array(fc.record({ runId: anyText, signature: anyText }), { minLength: 1, maxLength: 3 }), fc.constantFrom(EMPTY_HEAD, { seq: 41, mac: "ab".repeat(32) }), (writer, items, head) => {
        const entries = chainWriterEntries(key, writer, head, items);
        let prev = head.mac;
        entries.forEach((entry, index) => {
          const fields = { v: WRITER_JOURNAL_VERSION, writer, seq: head.seq + 1 + index, runId: items[index]!.runId, signature: items[index]!.signature, prev };
          expect(entry).toEqual({ ...fields, mac: key.mac(canonicalJson(fields)) });
          expect(openWriterEntry(key, JSON.parse(JSON.stringify(entry)))).toEqual(entry);
          prev = entry.mac;
        });
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the stored field order", () => {
    const [entry] = chainWriterEntries(key, "00000000-0000-4000-8000-000000000001", EMPTY_HEAD, [{ runId: "r", signature: "s" }]);
    expect(Object.keys(entry!)).toEqual(["v", "writer", "seq", "runId", "signature", "prev", "mac"]);
  });
});
