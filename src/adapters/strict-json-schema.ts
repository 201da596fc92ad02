import type { JsonSchema } from "../standard-schema.js";

/**
 * A JSON Schema rewritten for OpenAI's strict mode (every property required, an optional one as
 * nullable, `additionalProperties: false` everywhere), with the way back: `restore` turns the
 * nulls the model must now send for omitted optional properties back into absent keys, so Enact
 * validates what the workflow's own schema expects.
 */
export interface StrictSchema {
  /** The strict schema, or undefined when the schema cannot be made strict (an open record, e.g. `data: Record<string, unknown>`). */
  readonly schema: JsonSchema | undefined;
  readonly restore: (value: unknown) => unknown;
}

type Restore = (value: unknown) => unknown;
const IDENTITY: Restore = (value) => value;

/** Converts `schema` for strict mode; `schema: undefined` when it has parts strict mode cannot express. */
export function toStrictSchema(schema: JsonSchema): StrictSchema {
  try {
    const converted = convert(schema);
    return { schema: converted.schema, restore: converted.restore };
  } catch (error) {
    if (error instanceof NotStrict) return { schema: undefined, restore: IDENTITY };
    throw error;
  }
}

class NotStrict extends Error {}

function convert(schema: unknown): { schema: JsonSchema; restore: Restore } {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new NotStrict("boolean or malformed schema");
  const source = schema as JsonSchema;
  const { $schema: _s, oneOf, ...rest } = source;
  const out: JsonSchema = { ...rest };
  if (oneOf !== undefined) out.anyOf = oneOf; // strict mode knows anyOf, not oneOf
  if (Array.isArray(out.anyOf)) {
    const branches = out.anyOf.map(convert);
    out.anyOf = branches.map((branch) => branch.schema);
    // Which branch the value took is not known: restore with every branch that changes nothing else.
    return { schema: out, restore: (value) => branches.reduce((current, branch) => branch.restore(current), value) };
  }
  if (isObjectSchema(source)) return convertObject(source, out);
  if (out.type === "array" || out.items !== undefined) {
    if (out.items === undefined) throw new NotStrict("array without items");
    const item = convert(out.items);
    out.items = item.schema;
    return { schema: out, restore: (value) => (Array.isArray(value) ? sameOrMapped(value, item.restore) : value) };
  }
  return { schema: out, restore: IDENTITY };
}

function isObjectSchema(schema: JsonSchema): boolean {
  return schema.type === "object" || (schema.type === undefined && schema.properties !== undefined);
}

function convertObject(source: JsonSchema, out: JsonSchema): { schema: JsonSchema; restore: Restore } {
  const properties = (source.properties ?? {}) as Record<string, unknown>;
  const extra = source.additionalProperties;
  // An open record (additionalProperties other than false) cannot be listed property by property.
  if (extra !== undefined && extra !== false) throw new NotStrict("open object");
  if (source.patternProperties !== undefined || source.propertyNames !== undefined) throw new NotStrict("open object");
  const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
  const restores: [string, Restore, boolean][] = [];
  const strictProperties: JsonSchema = {};
  for (const [name, property] of Object.entries(properties)) {
    const converted = convert(property);
    const optional = !required.has(name);
    strictProperties[name] = optional && !allowsNull(converted.schema) ? nullable(converted.schema) : converted.schema;
    // Null only means "absent" when the original property did not accept null itself.
    restores.push([name, converted.restore, optional && !allowsNull(property as JsonSchema)]);
  }
  out.type = "object";
  out.properties = strictProperties;
  out.required = Object.keys(strictProperties);
  out.additionalProperties = false;
  // Copies only what changes: a call without strict-mode nulls (the common one) keeps its objects.
  const restore: Restore = (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const [name, inner, dropNull] of restores) {
      if (!Object.hasOwn(source, name)) continue;
      const field = source[name];
      if (field === null && dropNull) {
        copy ??= { ...source };
        delete copy[name];
        continue;
      }
      const restored = inner(field);
      if (restored === field) continue;
      copy ??= { ...source };
      copy[name] = restored;
    }
    return copy ?? source;
  };
  return { schema: out, restore };
}

function allowsNull(schema: JsonSchema): boolean {
  const type = schema.type;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  if (schema.const === null) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some((branch) => typeof branch === "object" && branch !== null && allowsNull(branch as JsonSchema));
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string" && schema.anyOf === undefined && schema.enum === undefined && schema.const === undefined) {
    return { ...schema, type: [schema.type, "null"] };
  }
  return { anyOf: [schema, { type: "null" }] };
}

/** `items` restored, or `items` itself when no item changed. */
function sameOrMapped(items: unknown[], restore: Restore): unknown[] {
  const mapped = items.map(restore);
  return mapped.every((item, index) => item === items[index]) ? items : mapped;
}
