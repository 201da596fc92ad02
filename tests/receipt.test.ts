import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  buildReceipt,
  canonicalBytes,
  canonicalJson,
  ReceiptSigner,
  signReceipt,
  verifySignature,
  type ActionResult,
  type PolicyResult,
  type Receipt,
} from "enact-sdk";

const SECRET = "receipt-test-secret-0123456789abcdef";
const policyResults: PolicyResult[] = [
  { policy: "check_a", passed: true, reason: "All good" },
  { policy: "check_b", passed: true, reason: "Looks fine" },
];
const actions: ActionResult[] = [{ action: "create_contact", system: "hubspot", success: true, output: { id: "123" } }];

function sampleReceipt(overrides: Partial<Parameters<typeof buildReceipt>[0]> = {}): Receipt {
  return buildReceipt({
    workflow: "test_wf",
    actorEmail: "agent@co.com",
    payload: { email: "jane@acme.com" },
    policyResults,
    decision: "PASS",
    ...overrides,
  });
}

describe("buildReceipt()", () => {
  it("fills in a UUID run id, an ISO-8601 UTC timestamp and an empty signature", () => {
    const receipt = sampleReceipt();
    expect(receipt.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(receipt.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(receipt.signature).toBe("");
    expect(receipt).toMatchObject({ workflow: "test_wf", actorEmail: "agent@co.com", decision: "PASS" });
    expect(receipt.policyResults).toHaveLength(2);
    expect(receipt.actionsTaken).toEqual([]);
  });

  describe("timestamp", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("is the time the receipt was built, to the millisecond, also when the clock moves by one", () => {
      vi.useFakeTimers({ now: new Date("2026-12-02T10:00:00.000Z") });
      expect(sampleReceipt().timestamp).toBe("2026-12-02T10:00:00.000Z");
      expect(sampleReceipt().timestamp).toBe("2026-12-02T10:00:00.000Z");
      vi.setSystemTime(new Date("2026-12-02T10:00:00.001Z"));
      expect(sampleReceipt().timestamp).toBe("2026-12-02T10:00:00.001Z");
      vi.setSystemTime(new Date("2025-01-01T00:00:00.000Z"));
      expect(sampleReceipt().timestamp).toBe("2025-01-01T00:00:00.000Z");
    });
  });

  it("gives every receipt its own run id", () => {
    expect(sampleReceipt().runId).not.toBe(sampleReceipt().runId);
  });

  it("records a BLOCK with no actions", () => {
    expect(sampleReceipt({ decision: "BLOCK" }).actionsTaken).toEqual([]);
  });

  it("records the actions of a PASS", () => {
    expect(sampleReceipt({ actionsTaken: actions }).actionsTaken[0]?.action).toBe("create_contact");
  });

  it("makes values JSON-safe: Date, bigint, bytes, undefined", () => {
    const receipt = sampleReceipt({
      payload: { at: new Date("2026-01-02T03:04:05.678Z"), big: 2n ** 70n, bytes: Buffer.from("hi"), gone: undefined },
    });
    expect(receipt.payload).toEqual({ at: "2026-01-02T03:04:05.678Z", big: "1180591620717411303424", bytes: "aGk=" });
  });

  it("carries an idempotency key and an error when given", () => {
    const receipt = sampleReceipt({ idempotencyKey: "retry-1", error: "Error: boom" });
    expect(receipt).toMatchObject({ idempotencyKey: "retry-1", error: "Error: boom" });
  });

  it("marks a dry run's receipt, and no other", () => {
    expect(sampleReceipt({ dryRun: true }).dryRun).toBe(true);
    expect("dryRun" in sampleReceipt({ dryRun: false })).toBe(false);
    expect("dryRun" in sampleReceipt()).toBe(false);
  });
});

describe("signReceipt()", () => {
  it("produces 64 lowercase hex characters", () => {
    expect(signReceipt(sampleReceipt(), SECRET).signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is deterministic for the same receipt and secret", () => {
    const receipt = sampleReceipt();
    expect(signReceipt(receipt, SECRET).signature).toBe(signReceipt(receipt, SECRET).signature);
  });

  it("depends on the secret", () => {
    const receipt = sampleReceipt();
    expect(signReceipt(receipt, "key-one").signature).not.toBe(signReceipt(receipt, "key-two").signature);
  });

  it("does not change the receipt it was given", () => {
    const receipt = sampleReceipt();
    signReceipt(receipt, SECRET);
    expect(receipt.signature).toBe("");
  });

  it("signs the JSON-safe form of values a caller left in", () => {
    const receipt = { ...sampleReceipt(), payload: { when: new Date(0), n: 10n } } as unknown as Receipt;
    const signed = signReceipt(receipt, SECRET);
    expect(signed.payload).toEqual({ when: "1970-01-01T00:00:00.000Z", n: "10" });
    expect(verifySignature(JSON.parse(JSON.stringify(signed)), SECRET)).toBe(true);
  });

  it("is the HMAC-SHA256 of the RFC 8785 form without the signature field", async () => {
    const { createHmac } = await import("node:crypto");
    const signed = signReceipt(sampleReceipt(), SECRET);
    const expected = createHmac("sha256", SECRET).update(canonicalBytes(signed)).digest("hex");
    expect(signed.signature).toBe(expected);
  });
});

describe("ReceiptSigner.signWithJson()", () => {
  const signer = new ReceiptSigner(SECRET);

  it("signs exactly as sign() does", () => {
    const unsigned = sampleReceipt({ actionsTaken: actions });
    expect(signer.signWithJson(unsigned).receipt).toEqual(signer.sign(unsigned));
  });

  it("gives the signed receipt as its canonical JSON, signature included", () => {
    const { receipt, json } = signer.signWithJson(sampleReceipt({ actionsTaken: actions, note: "é \u2028 \"quoted\"" }));
    expect(json).toBe(canonicalJson(receipt));
    expect(JSON.parse(json)).toEqual(receipt);
  });

  it("gives the canonical JSON of a receipt outside the fast path (nested deeper than 200 levels)", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 250; level++) deep = { deep };
    const { receipt, json } = signer.signWithJson(sampleReceipt({ payload: deep }));
    expect(json).toBe(canonicalJson(receipt));
    expect(verifySignature(receipt, SECRET)).toBe(true);
  });
});

describe("verifySignature()", () => {
  const signed = signReceipt(sampleReceipt({ actionsTaken: actions }), SECRET);

  it("accepts a valid signature", () => {
    expect(verifySignature(signed, SECRET)).toBe(true);
  });

  it("rejects a wrong secret", () => {
    expect(verifySignature(signed, "wrong-secret")).toBe(false);
  });

  it("rejects a changed decision", () => {
    expect(verifySignature({ ...signed, decision: "BLOCK" }, SECRET)).toBe(false);
  });

  it("rejects text moved from one field to the next", () => {
    const a = signReceipt({ ...sampleReceipt(), workflow: "a:b", actorEmail: "c" }, SECRET);
    expect(verifySignature({ ...a, workflow: "a", actorEmail: "b:c" }, SECRET)).toBe(false);
  });

  it("rejects an unsigned receipt", () => {
    expect(verifySignature(sampleReceipt(), SECRET)).toBe(false);
  });

  it("rejects an added field", () => {
    expect(verifySignature({ ...signed, note: "injected" }, SECRET)).toBe(false);
  });

  it("rejects a removed field", () => {
    const { error: _unused, actionsTaken: _removed, ...rest } = signed;
    expect(verifySignature(rest, SECRET)).toBe(false);
  });

  it("rejects an uppercase copy of the signature", () => {
    expect(verifySignature({ ...signed, signature: signed.signature.toUpperCase() }, SECRET)).toBe(false);
  });

  it.each([
    ["null", null],
    ["a string", "receipt"],
    ["a number", 42],
    ["an array", [1, 2]],
    ["a truncated signature", { ...signed, signature: signed.signature.slice(0, 63) }],
    ["a non-string signature", { ...signed, signature: 12 }],
    ["a bigint inside", { ...signed, payload: { n: 1n } }],
    ["a circular payload", (() => { const p: Record<string, unknown> = {}; p.self = p; return { ...signed, payload: p }; })()],
    ["NaN inside", { ...signed, payload: { n: Number.NaN } }],
  ])("returns false for %s instead of throwing", (_name, value) => {
    expect(verifySignature(value, SECRET)).toBe(false);
  });

  it("returns false for an empty secret", () => {
    expect(verifySignature(signed, "")).toBe(false);
  });
});

// Property-based: any single change to any field, at any depth, breaks the signature.
describe("tamper evidence (property-based)", () => {
  const text = fc.string({ maxLength: 12 });
  const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<unknown>;
  const receiptArb: fc.Arbitrary<Receipt> = fc
    .record({
      workflow: text,
      actorEmail: text,
      payload: fc.dictionary(text, json, { maxKeys: 4 }),
      policyResults: fc.array(fc.record({ policy: text, passed: fc.boolean(), reason: text }), { maxLength: 3 }),
      decision: fc.constantFrom("PASS" as const, "BLOCK" as const),
      actionsTaken: fc.array(
        fc.record({ action: text, system: text, success: fc.boolean(), output: fc.dictionary(text, json, { maxKeys: 3 }) }),
        { maxLength: 3 },
      ),
    })
    .map((input) => signReceipt(buildReceipt(input), SECRET));

  type Path = Array<string | number>;

  /** Every path to a value inside the receipt, signature excluded. */
  function paths(value: unknown, prefix: Path = []): Path[] {
    const here = prefix.length > 0 ? [prefix] : [];
    if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => paths(item, [...prefix, i]))];
    if (value !== null && typeof value === "object") {
      return [
        ...here,
        ...Object.entries(value)
          .filter(([key]) => !(prefix.length === 0 && key === "signature"))
          .flatMap(([key, item]) => paths(item, [...prefix, key])),
      ];
    }
    return here;
  }

  function replaceAt(root: unknown, path: Path, replace: (old: unknown) => unknown): unknown {
    const copy = structuredClone(root) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    parent[last] = replace(parent[last]);
    return copy;
  }

  const mutation = fc.oneof(
    fc.constant((old: unknown) => (typeof old === "string" ? `${old}x` : "x")),
    fc.constant((old: unknown) => (typeof old === "number" ? old + 1 : 1)),
    fc.constant((old: unknown) => (typeof old === "boolean" ? !old : true)),
    fc.constant(() => null),
    fc.constant((old: unknown) => (Array.isArray(old) ? [...old, 0] : [old])),
    fc.constant((old: unknown) => (old !== null && typeof old === "object" ? { ...old, added: 1 } : { v: old })),
  );

  it("detects any single change to any field", () => {
    fc.assert(
      fc.property(receiptArb, fc.nat(), mutation, (receipt, pick, mutate) => {
        const all = paths(receipt);
        const path = all[pick % all.length] as Path;
        const tampered = replaceAt(receipt, path, mutate) as Receipt;
        fc.pre(canonicalBytes(tampered).toString() !== canonicalBytes(receipt).toString());
        expect(verifySignature(tampered, SECRET)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it("detects a deleted key anywhere", () => {
    fc.assert(
      fc.property(receiptArb, fc.nat(), (receipt, pick) => {
        const objectPaths = paths(receipt).filter((p) => typeof p[p.length - 1] === "string");
        fc.pre(objectPaths.length > 0);
        const path = objectPaths[pick % objectPaths.length] as Path;
        const copy = structuredClone(receipt) as unknown as Record<string, unknown>;
        let parent: Record<string | number, unknown> = copy;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        delete parent[path[path.length - 1] as string];
        expect(verifySignature(copy, SECRET)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("verifies every untouched receipt, also after a JSON round trip", () => {
    fc.assert(
      fc.property(receiptArb, (receipt) => {
        expect(verifySignature(JSON.parse(JSON.stringify(receipt)), SECRET)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// A reader of a receipt object sees what its getters, proxy traps and toJSON show: that is what must verify.
describe("verifySignature() on objects that show a reader other values than were signed", () => {
  const signed = signReceipt(sampleReceipt(), SECRET);
  const forged = { ...signed, decision: "BLOCK" };

  it("returns false for an object whose toJSON shows the signed receipt", () => {
    // The signature is checked on the receipt without its signature field: that is what toJSON shows.
    const { signature: _signature, ...unsigned } = signed;
    const sneaky = { ...forged, toJSON: () => unsigned };
    expect(sneaky.decision).toBe("BLOCK");
    expect(verifySignature(sneaky, SECRET)).toBe(false);
  });

  it("returns false for a nested toJSON that shows signed values", () => {
    const payload = { ...signed.payload, extra: "attacker", toJSON: () => signed.payload };
    expect(verifySignature({ ...signed, payload }, SECRET)).toBe(false);
  });

  it("returns false for a getter that shows the signed value on the first read only", () => {
    let reads = 0;
    const sneaky = { ...signed };
    Object.defineProperty(sneaky, "decision", { enumerable: true, get: () => (reads++ === 0 ? signed.decision : "BLOCK") });
    expect(verifySignature(sneaky, SECRET)).toBe(false);
  });

  it("returns false for a proxy that shows other values than the receipt it wraps", () => {
    const sneaky = new Proxy(signed, { get: (target, key) => (key === "decision" ? "BLOCK" : Reflect.get(target, key)) });
    expect(verifySignature(sneaky, SECRET)).toBe(false);
  });

  it("returns false, without throwing, for a proxy whose every trap throws", () => {
    const trap = (): never => {
      throw new Error("trap");
    };
    const hostile = new Proxy(signed, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap });
    expect(verifySignature(hostile, SECRET)).toBe(false);
  });

  it("returns false for a hidden (non-enumerable) field a reader would see", () => {
    const sneaky = { ...signed };
    Object.defineProperty(sneaky, "error", { value: "injected", enumerable: false });
    expect(verifySignature(sneaky, SECRET)).toBe(false);
  });

  it("still verifies a plain receipt, also with an undefined optional field", () => {
    expect(verifySignature({ ...signed }, SECRET)).toBe(true);
    expect(verifySignature({ ...signed, error: undefined }, SECRET)).toBe(true);
  });
});
