import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jcs, jcsSplit, jcsWithMember, jcsWithout, joinSplit } from "../src/canonical-json.js";

// The fast path must be byte-identical to the reference implementation, or throw where it throws:
// a signature computed by one version must verify in every other.
function outcome(compute: () => string | undefined): { text?: string | undefined; threw?: true } {
  try {
    return { text: compute() };
  } catch {
    return { threw: true };
  }
}

const strings = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
const anything = fc.anything({
  key: strings,
  values: [strings, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)],
  withDate: true,
  withMap: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  withNullPrototype: true,
  withObjectString: true,
});

describe("jcs()", () => {
  it("equals canonicalize for every JSON value", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
        expect(jcs(value)).toBe(canonicalize(value));
      }));
  });

  it("equals canonicalize, or throws where it throws, for any value (lone surrogates, NaN, dates, sparse arrays…)", () => {
    fc.assert(
      fc.property(anything, (value) => {
        expect(outcome(() => jcs(value))).toEqual(outcome(() => canonicalize(value)));
      }),
      { numRuns: 500 },
    );
  });

  it("rejects a lone surrogate, as canonicalize does, in values and in keys", () => {
    expect(() => jcs({ a: "\uD800" })).toThrow();
    expect(() => jcs({ "\uDC00": 1 })).toThrow();
  });

  it("reports a circular value as canonicalize does instead of overflowing the stack", () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(() => jcs(circular)).toThrow(/Circular/);
  });

  it("reports a circular array as canonicalize does instead of overflowing the stack", () => {
    const circular: unknown[] = [1];
    circular.push(circular);
    expect(() => jcs(circular)).toThrow(/Circular/);
  });

  it("sorts each object's keys afresh when key lists share a first key or an order (the sort-order cache)", () => {
    // Few names, so lists repeat and collide: the same list in other orders, other lists with the same first key.
    const names = fc.constantFrom("a", "b", "c", "10", "9", "runId", "é", "\u{1F600}", "B");
    const shaped = fc.uniqueArray(names, { maxLength: 6 }).chain((keys) =>
      fc.tuple(...keys.map(() => fc.jsonValue({ maxDepth: 1 }))).map((values) => Object.fromEntries(keys.map((key, i) => [key, values[i]]))),
    );
    fc.assert(
      fc.property(fc.array(shaped, { maxLength: 8 }), (objects) => {
        for (const object of objects) expect(jcs(object)).toBe(canonicalize(object));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a key named __proto__ as a plain key", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    expect(jcs(value)).toBe('{"__proto__":{"x":1},"a":2}');
  });
});

describe("jcsWithout()", () => {
  it("equals canonicalize of a copy without the key, for any object", () => {
    const objects = fc.oneof(fc.dictionary(strings, fc.jsonValue()), fc.object(), anything.filter((v) => typeof v === "object" && v !== null));
    fc.assert(
      fc.property(objects, fc.constantFrom("signature", "a", ""), (value, key) => {
        const { [key]: _omitted, ...rest } = value as Record<string, unknown>;
        expect(outcome(() => jcsWithout(value as object, key))).toEqual(outcome(() => canonicalize(rest)));
      }),
      { numRuns: 500 },
    );
  });
});

describe("jcsSplit()", () => {
  const plainObjects = fc.dictionary(strings, fc.jsonValue());
  const keys = fc.constantFrom("signature", "a", "", "zzz", "\u00e9");

  it("joins into jcsWithout", () => {
    let split = 0;
    fc.assert(
      fc.property(plainObjects, keys, (value, key) => {
        const parts = jcsSplit(value, key);
        if (parts === undefined) return;
        split += 1;
        expect(joinSplit(parts)).toBe(jcsWithout(value, key));
      }),
      { numRuns: 500 },
    );
    // The check above runs only when the object took the fast path: most plain JSON objects must.
    expect(split).toBeGreaterThan(250);
  });

  it("takes a member back in at its sorted place: canonicalize of the object with that key set", () => {
    let taken = 0;
    fc.assert(
      fc.property(plainObjects, keys, fc.jsonValue(), (value, key, member) => {
        const split = jcsSplit(value, key);
        if (split === undefined) return;
        taken += 1;
        const withKey = JSON.parse(JSON.stringify({ ...value, [key]: member })) as unknown;
        expect(jcsWithMember(split, joinSplit(split), key, canonicalize(member) as string)).toBe(canonicalize(withKey));
      }),
      { numRuns: 500 },
    );
    expect(taken).toBeGreaterThan(250);
  });

  it("leaves the fast path for a key with a lone surrogate, which has no canonical form", () => {
    expect(jcsSplit({ "\uD800": 1, b: 2 }, "signature")).toBeUndefined();
    expect(() => jcsWithout({ "\uD800": 1, signature: "s" }, "signature")).toThrow(/Lone surrogate/);
  });

  it("leaves the fast path for an object that is not plain JSON", () => {
    expect(jcsSplit(new Date(0), "signature")).toBeUndefined();
    expect(jcsSplit({ when: new Date(0) }, "signature")).toBeUndefined();
  });
});
