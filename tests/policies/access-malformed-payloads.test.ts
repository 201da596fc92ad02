import type { WorkflowContext } from "enact-sdk";
import { contractorCannotWritePii, requireActorRole } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

function trusted(actorRole: string | undefined, payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "db_safe_insert", actorEmail: "agent@company.example", actorRole, payload, systems: {} };
}

const ROLE_LIST_ERROR = 'requireActorRole needs a non-empty array of non-empty role names, e.g. requireActorRole(["admin"]).';

describe("contractorCannotWritePii on malformed payloads", () => {
  it("blocks data that is a string, with the reason", () => {
    expect(contractorCannotWritePii(trusted("employee", { data: "email" }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: "payload.data must be an object of field → value",
    });
  });

  it("blocks piiFields that mix field names with a non-string, with the reason", () => {
    expect(contractorCannotWritePii(trusted("employee", { data: { nickname: "x" }, piiFields: ["nickname", 1] }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: "payload.piiFields must be an array of field names",
    });
  });

  it("treats a blank trusted role as no role, so a blank-role actor writing PII is blocked", () => {
    expect(contractorCannotWritePii(trusted("   ", { data: { email: "a@example.com" } }))).toEqual({
      policy: "contractor_cannot_write_pii",
      passed: false,
      reason: "Actor role unknown; writing PII fields (email) needs a known non-contractor role",
    });
  });
});

describe("requireActorRole() on a malformed role list", () => {
  it("refuses a list mixing a role name with a number, with the expected shape", () => {
    expect(() => requireActorRole(["admin", 5] as unknown as string[])).toThrow(new TypeError(ROLE_LIST_ERROR));
  });

  it("refuses a list mixing a role name with an empty string", () => {
    expect(() => requireActorRole(["admin", ""])).toThrow(new TypeError(ROLE_LIST_ERROR));
  });

  it("refuses a list mixing a role name with a blank string", () => {
    expect(() => requireActorRole(["admin", "   "])).toThrow(new TypeError(ROLE_LIST_ERROR));
  });

  it("treats a blank trusted role as no role", () => {
    expect(requireActorRole(["admin"])(trusted("  ", {}))).toEqual({
      policy: "require_actor_role",
      passed: false,
      reason: "Actor has no role; allowed roles: [admin]",
    });
  });
});
