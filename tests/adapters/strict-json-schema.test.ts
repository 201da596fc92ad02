import { describe, expect, it } from "vitest";
import { toStrictSchema } from "../../src/adapters/strict-json-schema.js";

describe("toStrictSchema()", () => {
  const schema = {
    type: "object",
    properties: {
      id: { type: "string" },
      note: { type: "string" },
      maybe: { type: ["string", "null"] },
      lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer" } }, required: ["sku"] } },
    },
    required: ["id", "lines"],
  };

  it("requires every property, makes optional ones nullable and closes every object", () => {
    expect(toStrictSchema(schema).schema).toEqual({
      type: "object",
      properties: {
        id: { type: "string" },
        note: { type: ["string", "null"] },
        maybe: { type: ["string", "null"] },
        lines: {
          type: "array",
          items: { type: "object", properties: { sku: { type: "string" }, qty: { type: ["integer", "null"] } }, required: ["sku", "qty"], additionalProperties: false },
        },
      },
      required: ["id", "note", "maybe", "lines"],
      additionalProperties: false,
    });
  });

  it("maps the nulls of omitted optional properties back to absent keys, nested too, keeping nulls the schema allows", () => {
    const { restore } = toStrictSchema(schema);
    expect(restore({ id: "1", note: null, maybe: null, lines: [{ sku: "a", qty: null }] })).toEqual({ id: "1", maybe: null, lines: [{ sku: "a" }] });
  });

  it("gives up on an open record, which strict mode cannot express", () => {
    expect(toStrictSchema({ type: "object", properties: { data: { type: "object", additionalProperties: {} } }, required: ["data"] }).schema).toBeUndefined();
  });
});
