import type { WorkflowContext } from "enact-sdk";
import { contractorCannotWritePii, DEFAULT_PII_FIELDS, requireActorRole } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

/**
 * A context as EnactClient builds it: `actorRole` is the role the client resolved (from its
 * trusted actorRoles option, else from payload.actorRole). End-to-end checks are in
 * actor-roles.test.ts.
 */
function context(payload: Record<string, unknown>): WorkflowContext {
  const actorRole = typeof payload.actorRole === "string" ? payload.actorRole : undefined;
  return { workflow: "db_safe_insert", actorEmail: "agent@company.example", ...(actorRole !== undefined ? { actorRole } : {}), payload, systems: {} };
}

/** A context whose trusted role may differ from what the payload claims. */
function trusted(actorRole: string | undefined, payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "db_safe_insert", actorEmail: "agent@company.example", actorRole, payload, systems: {} };
}

describe("contractorCannotWritePii", () => {
  it("is named contractor_cannot_write_pii", () => {
    expect(contractorCannotWritePii.name).toBe("contractor_cannot_write_pii");
  });

  it("blocks a contractor writing a field listed in payload.piiFields", () => {
    const result = contractorCannotWritePii(context({ actorRole: "contractor", piiFields: ["salary"], data: { salary: 1, team: "x" } }));

    expect(result).toEqual({ policy: "contractor_cannot_write_pii", passed: false, reason: "Contractors cannot write PII fields: salary" });
  });

  it("blocks a contractor writing a default PII field even when piiFields is absent", () => {
    const result = contractorCannotWritePii(context({ actorRole: "contractor", data: { email: "a@example.com", plan: "pro" } }));

    expect(result).toMatchObject({ passed: false, reason: "Contractors cannot write PII fields: email" });
  });

  it("does not let the payload's piiFields remove the default PII fields", () => {
    const result = contractorCannotWritePii(context({ actorRole: "contractor", piiFields: [], data: { phone: "555" } }));

    expect(result.passed).toBe(false);
  });

  it("recognises PII field names whatever their case or separators", () => {
    for (const field of ["EMAIL", "phone_number", "Date-Of-Birth", "SSN"]) {
      expect(contractorCannotWritePii(context({ actorRole: "contractor", data: { [field]: "x" } })).passed).toBe(false);
    }
  });

  it("treats the contractor role case-insensitively", () => {
    expect(contractorCannotWritePii(context({ actorRole: " Contractor ", data: { email: "x" } })).passed).toBe(false);
  });

  it("passes a contractor writing no PII", () => {
    const result = contractorCannotWritePii(context({ actorRole: "contractor", data: { plan: "pro", seats: 3 } }));

    expect(result).toEqual({ policy: "contractor_cannot_write_pii", passed: true, reason: "No PII fields written" });
  });

  it("passes an employee writing PII", () => {
    const result = contractorCannotWritePii(context({ actorRole: "employee", data: { email: "a@example.com" } }));

    expect(result).toMatchObject({ passed: true, reason: "Role 'employee' may write PII fields" });
  });

  it("passes a payload that writes no data", () => {
    expect(contractorCannotWritePii(context({ actorRole: "contractor" })).passed).toBe(true);
  });

  it("fails closed when an actor with no known role writes PII", () => {
    const result = contractorCannotWritePii(context({ data: { ssn: "078-05-1120" } }));

    expect(result).toMatchObject({ passed: false, reason: expect.stringMatching(/^Actor role unknown; writing PII fields \(ssn\)/) });
  });

  it("fails closed on malformed data or piiFields", () => {
    expect(contractorCannotWritePii(context({ actorRole: "employee", data: ["email"] })).passed).toBe(false);
    expect(contractorCannotWritePii(context({ actorRole: "employee", data: {}, piiFields: "email" })).passed).toBe(false);
    expect(contractorCannotWritePii(context({ actorRole: "employee", data: {}, piiFields: [1] })).passed).toBe(false);
  });

  it("believes the trusted role over an agent claiming another role in its payload", () => {
    const lying = trusted("contractor", { actorRole: "admin", data: { email: "a@example.com" } });

    expect(contractorCannotWritePii(lying)).toMatchObject({ passed: false, reason: "Contractors cannot write PII fields: email" });
  });

  it("never reads the role from the payload itself (the client does that when it has no actorRoles)", () => {
    const result = contractorCannotWritePii(trusted(undefined, { actorRole: "employee", data: { email: "a@example.com" } }));

    expect(result.passed).toBe(false);
  });

  it("exports its default PII list", () => {
    expect(DEFAULT_PII_FIELDS).toContain("email");
    expect(Object.isFrozen(DEFAULT_PII_FIELDS)).toBe(true);
  });
});

describe("requireActorRole()", () => {
  const adminsOnly = requireActorRole(["admin", "revops"]);

  it("is named require_actor_role", () => {
    expect(adminsOnly.name).toBe("require_actor_role");
  });

  it("passes an actor with an allowed role", () => {
    expect(adminsOnly(context({ actorRole: "revops" }))).toEqual({
      policy: "require_actor_role",
      passed: true,
      reason: "Role 'revops' is authorized",
    });
  });

  it("compares roles case-insensitively", () => {
    expect(adminsOnly(context({ actorRole: "Admin" })).passed).toBe(true);
  });

  it("blocks an actor with another role", () => {
    expect(adminsOnly(context({ actorRole: "intern" }))).toEqual({
      policy: "require_actor_role",
      passed: false,
      reason: "Role 'intern' not in allowed roles: [admin, revops]",
    });
  });

  it("blocks an actor with no role", () => {
    expect(adminsOnly(context({}))).toMatchObject({ passed: false, reason: "Actor has no role; allowed roles: [admin, revops]" });
    expect(adminsOnly(context({ actorRole: 42 })).passed).toBe(false);
  });

  it("believes the trusted role over an agent claiming to be an admin in its payload", () => {
    const result = adminsOnly(trusted("intern", { actorRole: "admin" }));

    expect(result).toMatchObject({ passed: false, reason: "Role 'intern' not in allowed roles: [admin, revops]" });
  });

  it("blocks an actor the client resolved no role for, whatever the payload claims", () => {
    expect(adminsOnly(trusted(undefined, { actorRole: "admin" })).passed).toBe(false);
  });

  it("refuses an empty or malformed role list at construction", () => {
    expect(() => requireActorRole([])).toThrow(TypeError);
    expect(() => requireActorRole([""])).toThrow(/non-empty array of non-empty role names/);
    expect(() => requireActorRole("admin" as unknown as string[])).toThrow(TypeError);
  });
});
