import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { Receipt, verifySignature } from "enact-sdk";

// A receipt signed by enact-sdk 0.1. It must verify in every later version: changing how
// receipts are canonicalized or signed would silently invalidate every stored audit trail.
const FIXTURE_SECRET = "fixture-secret-do-not-use-in-production-0001";

async function fixture(): Promise<unknown> {
  return JSON.parse(await readFile(new URL("./fixtures/receipt-v0.1.json", import.meta.url), "utf8"));
}

describe("frozen receipt fixtures", () => {
  it("verifies a receipt signed by version 0.1", async () => {
    expect(verifySignature(await fixture(), FIXTURE_SECRET)).toBe(true);
  });

  it("still matches the Receipt schema", async () => {
    expect(Receipt.safeParse(await fixture()).success).toBe(true);
  });

  it("fails once any character of it changes", async () => {
    const text = JSON.stringify(await fixture());
    const tampered = JSON.parse(text.replace("café", "cafe")) as unknown;
    expect(verifySignature(tampered, FIXTURE_SECRET)).toBe(false);
  });
});
