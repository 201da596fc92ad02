import { describe, expect, it } from "vitest";
import { toJsonSafe } from "enact-sdk";

describe("toJsonSafe()", () => {
  it("turns a Date into its ISO string", () => {
    expect(toJsonSafe(new Date("2026-11-22T01:02:03.004Z"))).toBe("2026-11-22T01:02:03.004Z");
  });

  it("turns an invalid Date into null", () => {
    expect(toJsonSafe(new Date("nope"))).toBeNull();
  });

  it("turns a bigint into its decimal string", () => {
    expect(toJsonSafe(-(2n ** 64n))).toBe("-18446744073709551616");
  });

  it("turns bytes into base64", () => {
    expect(toJsonSafe({ a: new Uint8Array([1, 2, 255]), b: Buffer.from("enact"), c: new Uint8Array([7]).buffer })).toEqual({
      a: "AQL/",
      b: "ZW5hY3Q=",
      c: "Bw==",
    });
  });

  it("drops undefined, functions and symbols from objects and nulls them in arrays", () => {
    expect(toJsonSafe({ a: undefined, f: () => 1, s: Symbol("x"), list: [undefined, () => 1] })).toEqual({ list: [null, null] });
  });

  it("names non-finite numbers instead of losing them", () => {
    expect(toJsonSafe([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  it("turns Maps into objects and Sets into arrays", () => {
    expect(toJsonSafe({ m: new Map<unknown, unknown>([["k", 1], [2, new Set([3])]]) })).toEqual({ m: { k: 1, "2": [3] } });
  });

  it("keeps an Error's name and message but not its stack", () => {
    expect(toJsonSafe(new RangeError("too far"))).toEqual({ name: "RangeError", message: "too far" });
  });

  it("marks circular references instead of recursing forever", () => {
    const node: Record<string, unknown> = { name: "loop" };
    node.self = node;
    expect(toJsonSafe(node)).toEqual({ name: "loop", self: "[Circular]" });
  });

  it("marks a circular reference found far below the root", () => {
    const first: Record<string, unknown> = { at: 0 };
    let last = first;
    for (let at = 1; at < 100; at++) last = (last.next = { at }) as Record<string, unknown>;
    last.next = first;
    let node = toJsonSafe(first) as Record<string, unknown>;
    for (let at = 0; at < 100; at++) {
      expect(node.at).toBe(at);
      node = node.next as Record<string, unknown>;
    }
    expect(node).toBe("[Circular]");
  });

  it("reads each property once, even beside a circular reference", () => {
    let reads = 0;
    const node: Record<string, unknown> = {
      get rows(): number[] {
        reads += 1;
        return [1, 2, 3];
      },
    };
    node.self = node;
    expect(toJsonSafe(node)).toEqual({ rows: [1, 2, 3], self: "[Circular]" });
    expect(reads).toBe(1);
  });

  it("converts a value nested hundreds of levels deep in full", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 300; level++) deep = level % 2 === 0 ? [deep] : { level: deep };
    expect(toJsonSafe(deep)).toEqual(JSON.parse(JSON.stringify(deep)));
  });

  it("refuses a value nested deeper than 1000 levels with a RangeError instead of overflowing the stack", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 100_000; level++) deep = { level: deep };
    expect(() => toJsonSafe(deep)).toThrow(new RangeError("The value is nested deeper than 1000 levels"));
  });

  it("keeps a value that appears twice without calling it circular", () => {
    const shared = { x: 1 };
    expect(toJsonSafe({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("uses toJSON when an object defines it", () => {
    expect(toJsonSafe({ v: { toJSON: () => ({ when: 10n }) } })).toEqual({ v: { when: "10" } });
  });

  it("replaces lone surrogates, which have no UTF-8 form, with U+FFFD", () => {
    expect(toJsonSafe({ ["k\uD800"]: "a\uDC00b😀" })).toEqual({ "k\uFFFD": "a\uFFFDb😀" });
  });

  it("keeps a __proto__ key as data without touching the prototype", () => {
    const safe = toJsonSafe(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.keys(safe)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("keeps the own enumerable fields of a class instance and of a null-prototype object", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { z: 3 });
    expect(toJsonSafe({ point: new Point(1, 2), bare })).toEqual({ point: { x: 1, y: 2 }, bare: { z: 3 } });
  });
});
