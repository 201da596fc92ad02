import { describe, expect, it } from "vitest";
import { toFrozenJsonSafeObject, toJsonSafe, toJsonSafeObject } from "../src/json-safe.js";
import { buildReceipt, MemoryReceiptStore, signReceipt, verifySignature } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

describe("toFrozenJsonSafeObject()", () => {
  it("is toJsonSafeObject, deep-frozen", () => {
    const input = { when: new Date(0), big: 10n, list: [{ deep: new Set([1]) }], gone: undefined };
    const snapshot = toFrozenJsonSafeObject(input);
    expect(snapshot).toEqual(toJsonSafeObject(input));
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.list)).toBe(true);
    expect(Object.isFrozen((snapshot.list as unknown[])[0])).toBe(true);
    expect(Object.isFrozen(((snapshot.list as Array<Record<string, unknown>>)[0] as { deep: unknown }).deep)).toBe(true);
  });

  it("wraps a value that is not an object, frozen too", () => {
    const snapshot = toFrozenJsonSafeObject("text");
    expect(snapshot).toEqual({ value: "text" });
    expect(Object.isFrozen(snapshot)).toBe(true);
  });

  it("is handed back as is by toJsonSafe, so a receipt does not convert the payload twice", () => {
    const snapshot = toFrozenJsonSafeObject({ a: 1 });
    expect(toJsonSafe(snapshot)).toBe(snapshot);
    expect(toFrozenJsonSafeObject(snapshot)).toBe(snapshot);
  });

  it("is not confused with a frozen object it did not make: that one is still converted", () => {
    const frozen = Object.freeze({ when: new Date(0) });
    expect(toJsonSafe(frozen)).toEqual({ when: "1970-01-01T00:00:00.000Z" });
  });

  it("keeps a key named __proto__ as a plain key and replaces lone surrogates", () => {
    const snapshot = toFrozenJsonSafeObject(JSON.parse('{"__proto__": {"x": 1}, "s": "a\\ud800"}'));
    expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
    expect(Object.keys(snapshot)).toEqual(["__proto__", "s"]);
    expect(snapshot.s).toBe("a\uFFFD");
  });

  it("signs into a receipt that verifies after a JSON round trip", () => {
    const payload = toFrozenJsonSafeObject({ amount: 10n, at: new Date(0) });
    const receipt = signReceipt(buildReceipt({ workflow: "w", actorEmail: "a@b.com", payload, policyResults: [], decision: "PASS" }), TEST_SECRET);
    expect(verifySignature(JSON.parse(JSON.stringify(receipt)), TEST_SECRET)).toBe(true);
  });
});

describe("MemoryReceiptStore", () => {
  it("hands out copies: changing a loaded receipt changes nothing stored", async () => {
    const store = new MemoryReceiptStore();
    const receipt = signReceipt(buildReceipt({ workflow: "w", actorEmail: "a@b.com", payload: { n: 1 }, policyResults: [], decision: "PASS" }), TEST_SECRET);
    await store.write(receipt);
    const loaded = await store.load(receipt.runId);
    (loaded as { payload: Record<string, unknown> }).payload.n = 2;
    expect((await store.load(receipt.runId))?.payload.n).toBe(1);
    expect(verifySignature(await store.load(receipt.runId), TEST_SECRET)).toBe(true);
  });

  it("is not affected by changes to the receipt object after it was written", async () => {
    const store = new MemoryReceiptStore();
    const receipt = signReceipt(buildReceipt({ workflow: "w", actorEmail: "a@b.com", payload: { n: 1 }, policyResults: [], decision: "PASS" }), TEST_SECRET);
    await store.write(receipt);
    receipt.payload.n = 99;
    expect((await store.list())[0]?.payload.n).toBe(1);
  });
});
