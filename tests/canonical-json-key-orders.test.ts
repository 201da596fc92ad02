import { describe, expect, it } from "vitest";
import { jcs, keptKeyOrders, keyOrder } from "../src/canonical-json.js";

/*
 * The canonicalizer keeps the sorted order of the key lists it meets (receipts repeat a few),
 * keyed by their first key, and reuses it for an object with the same keys in the same order.
 * Kept lists are bounded, so a payload with ever new keys cannot grow memory without limit.
 * In a file of its own: the kept lists belong to the module, and the last test fills them.
 */

function objectWithKeys(keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key, index) => [key, index]));
}

function keysNamed(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

describe("the canonicalizer's kept key orders", () => {
  it("reuses the order of a key list it has met for the next object with the same keys in the same order", () => {
    const first = keyOrder({ zeta: 1, alpha: 2 });
    expect(keyOrder({ zeta: "other", alpha: "values" })).toBe(first);
    expect(first.sorted).toEqual(["alpha", "zeta"]);
  });

  it("sorts again, and gives the right order, for other keys under the same first key", () => {
    keyOrder({ zeta: 1, alpha: 2 });
    expect(keyOrder({ zeta: 1, beta: 2 }).sorted).toEqual(["beta", "zeta"]);
    expect(jcs({ zeta: 1, beta: 2 })).toBe('{"beta":2,"zeta":1}');
  });

  it("keeps a list of 64 keys, not one of 65", () => {
    const kept = keysNamed("kept", 64);
    expect(keyOrder(objectWithKeys(kept))).toBe(keyOrder(objectWithKeys(kept)));

    const before = keptKeyOrders();
    const long = keysNamed("long", 65);
    expect(keyOrder(objectWithKeys(long))).not.toBe(keyOrder(objectWithKeys(long)));
    expect(keptKeyOrders()).toBe(before);
  });

  it("keeps at most 1024 lists, however many first keys it meets, and still replaces a kept first key's list", () => {
    for (const key of keysNamed("first", 3000)) keyOrder({ [key]: 1, rest: 2 });
    expect(keptKeyOrders()).toBe(1024);

    // Full: a list under a first key already kept still replaces it.
    const replaced = { zeta: 1, gamma: 2 };
    expect(keyOrder(replaced)).toBe(keyOrder({ ...replaced }));
    expect(keptKeyOrders()).toBe(1024);
  });
});
