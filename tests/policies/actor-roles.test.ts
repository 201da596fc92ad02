import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWorkflow, EnactClient, type ActorRoles } from "enact-sdk";
import { contractorCannotWritePii, requireActorRole } from "enact-sdk/policies";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/context.js";

let receiptDir: string;
beforeEach(async () => {
  receiptDir = await mkdtemp(join(tmpdir(), "enact-roles-"));
});
afterEach(async () => {
  await rm(receiptDir, { recursive: true, force: true });
});

const updateCustomer = defineWorkflow("update_customer", async () => [
  { action: "update_row", system: "test", success: true, output: {} },
]);

function client(actorRoles?: ActorRoles): EnactClient {
  return new EnactClient({
    policies: [requireActorRole(["admin", "employee", "contractor"]), contractorCannotWritePii],
    workflows: [updateCustomer],
    secret: TEST_SECRET,
    receiptDir,
    ...(actorRoles !== undefined ? { actorRoles } : {}),
  });
}

const writePii = { actorRole: "admin", data: { email: "ada@example.com", plan: "pro" } };

describe("access policies through EnactClient's actorRoles", () => {
  it("block a contractor that claims to be an admin in its payload", async () => {
    const enact = client({ "vendor-bot@agency.example": "contractor" });

    const [, receipt] = await enact.run({ workflow: "update_customer", actorEmail: "vendor-bot@agency.example", payload: writePii });

    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "require_actor_role", passed: true, reason: "Role 'contractor' is authorized" },
      { policy: "contractor_cannot_write_pii", passed: false, reason: "Contractors cannot write PII fields: email" },
    ]);
    expect(receipt.actionsTaken).toEqual([]);
  });

  it("block an actor that actorRoles does not know, whatever role its payload claims", async () => {
    const enact = client({ "staff@company.example": "admin" });

    const [, receipt] = await enact.run({ workflow: "update_customer", actorEmail: "stranger@elsewhere.example", payload: writePii });

    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.map((p) => [p.policy, p.passed])).toEqual([
      ["require_actor_role", false],
      ["contractor_cannot_write_pii", false],
    ]);
  });

  it("pass an employee whose role comes from an async actorRoles lookup", async () => {
    const enact = client(async (email) => (email.endsWith("@company.example") ? "employee" : undefined));

    const [result, receipt] = await enact.run({ workflow: "update_customer", actorEmail: "ops@company.example", payload: { data: { email: "x@example.com" } } });

    expect(receipt.decision).toBe("PASS");
    expect(result.success).toBe(true);
  });

  it("use payload.actorRole when the client has no actorRoles, as the contract allows", async () => {
    const [, asAdmin] = await client().run({ workflow: "update_customer", actorEmail: "a@company.example", payload: writePii });
    const [, asContractor] = await client().run({
      workflow: "update_customer",
      actorEmail: "a@company.example",
      payload: { ...writePii, actorRole: "contractor" },
    });

    expect(asAdmin.decision).toBe("PASS");
    expect(asContractor.decision).toBe("BLOCK");
  });
});
