import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isApprover, samePerson } from "../../src/approvals/approvers.js";
import { approvalDigest } from "../../src/approvals/digest.js";
import { ControlSigner } from "../../src/approvals/records.js";
import { TEST_SECRET } from "../support/context.js";

const signer = new ControlSigner(TEST_SECRET);
const ID = "11111111-1111-4111-8111-111111111111";
const use = { kind: "approval_use" as const, id: ID, runId: "run-1", usedAt: "2026-12-06T12:00:00.000Z" };

describe("ControlSigner", () => {
  it("opens what it signed, with or without an id to match", () => {
    const { record, json } = signer.sign(use);
    expect(record).toEqual({ ...use, signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(json)).toEqual(record);
    expect(signer.open(json, "approval_use", ID)).toEqual(record);
    expect(signer.open(json, "approval_use")).toEqual(record);
  });

  it("opens nothing from no text, text that is not JSON, or JSON that is not an object", () => {
    for (const json of [undefined, "", "{", "null", "[]", '"approval_use"', "42"]) expect(signer.open(json, "approval_use")).toBeUndefined();
  });

  it("opens nothing of another kind, for another id, or with a field changed or the signature missing", () => {
    const { record, json } = signer.sign(use);
    expect(signer.open(json, "approval_decision")).toBeUndefined();
    expect(signer.open(json, "approval_use", "22222222-2222-4222-8222-222222222222")).toBeUndefined();
    expect(signer.open(JSON.stringify({ ...record, runId: "run-2" }), "approval_use")).toBeUndefined();
    const { signature: _signature, ...unsigned } = record;
    expect(signer.open(JSON.stringify(unsigned), "approval_use")).toBeUndefined();
    expect(signer.open(JSON.stringify({ ...record, signature: record.signature.toUpperCase() }), "approval_use")).toBeUndefined();
  });

  it("opens nothing another secret signed", () => {
    const { json } = new ControlSigner("another-secret-0123456789abcdef-0123456789").sign(use);
    expect(signer.open(json, "approval_use")).toBeUndefined();
  });

  it("redacts the secret wherever it appears, and the redacted record still opens", () => {
    const { record, json } = signer.sign({ kind: "approval_decision", id: ID, decision: "denied", approver: "a@co.com", decidedAt: "t", note: `key ${TEST_SECRET}` });
    expect(record.note).toBe("key [REDACTED]");
    expect(json).not.toContain(TEST_SECRET);
    expect(signer.open(json, "approval_decision", ID)).toEqual(record);
  });

  it("refuses to sign a record with no JSON form", () => {
    const formless = { ...use, toJSON: () => undefined } as unknown as typeof use;
    expect(() => signer.sign(formless)).toThrow(new TypeError("A control record must be JSON data"));
  });
});

describe("ControlSigner, hostile text", () => {
  it("opens nothing from a record with a key that has no canonical form, and never throws", () => {
    const { json } = signer.sign(use);
    const withLoneSurrogate = `${json.slice(0, -1)},"\\ud800":1}`;
    expect(() => signer.open(withLoneSurrogate, "approval_use", ID)).not.toThrow();
    expect(signer.open(withLoneSurrogate, "approval_use", ID)).toBeUndefined();
  });
});

describe("isApprover", () => {
  it("says no to everyone when no approvers are configured, and to an email that is blank or not text", async () => {
    expect(await isApprover(undefined, "a@co.com")).toBe(false);
    expect(await isApprover(["a@co.com", ""], "")).toBe(false);
    expect(await isApprover([" "], " ")).toBe(false);
    expect(await isApprover(() => true, "  ")).toBe(false);
    expect(await isApprover(() => true, 42)).toBe(false);
  });

  it("matches a listed email whatever its case or surrounding spaces, and ignores entries that are not text", async () => {
    expect(await isApprover([" A@Co.com "], "a@co.com ")).toBe(true);
    expect(await isApprover([42 as unknown as string, "b@co.com"], "42")).toBe(false);
    expect(await isApprover({ "a@co.com": false }, "A@CO.COM")).toBe(true);
    expect(await isApprover([], "a@co.com")).toBe(false);
  });

  it("asks a function with the email as given, and takes only true as yes", async () => {
    const asked: string[] = [];
    expect(await isApprover((email) => (asked.push(email), true), " A@co.com")).toBe(true);
    expect(asked).toEqual([" A@co.com"]);
    expect(await isApprover(() => 1 as unknown as boolean, "a@co.com")).toBe(false);
    expect(await isApprover(() => { throw new Error("down"); }, "a@co.com")).toBe(false);
  });

  it("compares people without case or surrounding spaces", () => {
    expect(samePerson(" A@Co.com", "a@co.com ")).toBe(true);
    expect(samePerson("a@co.com", "b@co.com")).toBe(false);
  });
});

describe("approvalDigest", () => {
  const subject = { workflow: "send_invoice", actorEmail: "a@co.com", payload: { amount: 900, to: "j@acme.com" }, policySet: ["large_refund"] };

  it("is the SHA-256 of the RFC 8785 form of workflow, actor, payload and policy set, and nothing else", () => {
    const canonical = '{"actorEmail":"a@co.com","payload":{"amount":900,"to":"j@acme.com"},"policySet":["large_refund"],"workflow":"send_invoice"}';
    const expected = createHash("sha256").update(canonical, "utf8").digest("hex");
    expect(approvalDigest(subject)).toBe(expected);
    expect(approvalDigest({ ...subject, extra: "ignored" } as typeof subject)).toBe(expected);
  });

  it("changes with each of its four parts", () => {
    const base = approvalDigest(subject);
    for (const changed of [{ workflow: "other" }, { actorEmail: "b@co.com" }, { payload: { amount: 901, to: "j@acme.com" } }, { policySet: ["large_refund", "x"] }]) {
      expect(approvalDigest({ ...subject, ...changed })).not.toBe(base);
    }
  });
});
