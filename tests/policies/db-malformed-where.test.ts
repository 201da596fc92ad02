import { describe, expect, it } from "vitest";
import type { WorkflowContext } from "enact-sdk";
import { noDeleteWithoutWhere } from "enact-sdk/policies";

function deleteRow(where: unknown): WorkflowContext {
  return { workflow: "custom_workflow", actorEmail: "agent@example.com", payload: { action: "delete_row", table: "t", where }, systems: {} };
}

class Filter {
  id = 1;
}

describe("noDeleteWithoutWhere refuses a where that is not a plain object", () => {
  it("blocks a class instance with fields, not just counts its fields", async () => {
    expect(await noDeleteWithoutWhere(deleteRow(new Filter()))).toEqual({
      policy: "dont_delete_without_where",
      passed: false,
      reason: "Blocked: payload.where must be an object of column → value, got object.",
    });
  });

  it("blocks an array even when its prototype was swapped for Object.prototype", async () => {
    const where: unknown = Object.setPrototypeOf(["id = 1"], Object.prototype);

    expect(await noDeleteWithoutWhere(deleteRow(where))).toEqual({
      policy: "dont_delete_without_where",
      passed: false,
      reason: "Blocked: payload.where must be an object of column → value, got an array.",
    });
  });

  it("blocks a function even when its prototype was swapped for Object.prototype", async () => {
    const where: unknown = Object.assign(Object.setPrototypeOf(function filter() {}, Object.prototype), { id: 1 });

    expect(await noDeleteWithoutWhere(deleteRow(where))).toEqual({
      policy: "dont_delete_without_where",
      passed: false,
      reason: "Blocked: payload.where must be an object of column → value, got function.",
    });
  });
});
