// Type-checked against dist/ by tests/package.test.ts, as an ESM user would write it.
import { EnactClient, verifySignature, type Receipt, type RunResult } from "enact-sdk";
import { definePolicy } from "enact-sdk";

const policy = definePolicy("always", () => ({ policy: "always", passed: true, reason: "ok" }));
const enact = new EnactClient({ secret: "x".repeat(32), policies: [policy] });
const run: Promise<[RunResult, Receipt]> = enact.run({ workflow: "w", actorEmail: "a@b.com", payload: {} });
export const ok: Promise<boolean> = run.then(([, receipt]) => verifySignature(receipt, "x".repeat(32)));
