import type { WorkflowContext } from "enact-sdk";
import { contractorCannotWritePii, requireActorRole } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

function trusted(actorRole: string | undefined, payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "db_safe_insert", actorEmail: "agent@company.example", actorRole, payload, systems: {} };
}

describe("contractorCannotWritePii reasons", () => {
  it("says no fields are written when the payload has no data", () => {
    expect(contractorCannotWritePii(trusted("contractor", {}))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: true,
      reason: "No payload.data; no fields written",
    });
  });

  it("lists every PII field a contractor writes, comma-separated", () => {
    expect(contractorCannotWritePii(trusted("contractor", { data: { email: "a@example.com", ssn: "078-05-1120" } }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: "Contractors cannot write PII fields: email, ssn",
    });
  });

  it("lists every PII field an actor with no role writes, comma-separated", () => {
    expect(contractorCannotWritePii(trusted(undefined, { data: { email: "a@example.com", phone: "555" } }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: "Actor role unknown; writing PII fields (email, phone) needs a known non-contractor role",
    });
  });

  it("lower-cases field names, so bankAccountNumber spelled with the Kelvin sign (U+212A) is still PII", () => {
    const field = "ban\u212AAccountNumber";

    expect(contractorCannotWritePii(trusted("contractor", { data: { [field]: "DE89" } }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: `Contractors cannot write PII fields: ${field}`,
    });
  });
});

describe("requireActorRole() reasons", () => {
  it("is named require_actor_role", () => {
    expect(requireActorRole(["admin"]).name).toBe("require_actor_role");
  });

  it("lists the allowed roles comma-separated when it blocks", () => {
    expect(requireActorRole(["admin", "revops"])(trusted("intern", {}))).toEqual({
      policy: "require_actor_role",
      passed: false,
      reason: "Role 'intern' not in allowed roles: [admin, revops]",
    });
  });
});
