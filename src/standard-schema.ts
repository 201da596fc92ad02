/**
 * The Standard Schema v1 interface (https://standardschema.dev), written out here so that no
 * validation library's types reach enact-sdk's public `.d.ts`: zod 3.25+/4, valibot and arktype
 * schemas all satisfy it structurally, so an app's own zod is the one used.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** The `~standard` property of a Standard Schema. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  /** Standard JSON Schema (zod 4.2+ and others): the schema's input as JSON Schema, when the library offers it. */
  readonly jsonSchema?: { readonly input: (options: { readonly target: string }) => Record<string, unknown> } | undefined;
}

/** What `validate` returns: the parsed value, or the issues. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** One validation problem. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The parsed type of a Standard Schema. */
export type StandardOutput<S extends StandardSchemaV1> = NonNullable<S["~standard"]["types"]>["output"];

/** True when `value` looks like a Standard Schema v1 (checked at registration, so a wrong object fails early). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return typeof props === "object" && props !== null && (props as { version?: unknown }).version === 1 && typeof (props as { validate?: unknown }).validate === "function";
}

/** `a.b.0: message` for each issue, the way payload_schema failures read in receipts. */
export function describeIssues(issues: ReadonlyArray<StandardIssue>): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment)).join(".");
      return `${path || "payload"}: ${String(issue.message)}`;
    })
    .join("; ");
}

/** A JSON Schema object: what adapters show a model as a tool's input. */
export type JsonSchema = Record<string, unknown>;

/** Accepts any object: a workflow without a schema, or one whose library cannot describe itself. */
export const OPEN_OBJECT_SCHEMA: JsonSchema = Object.freeze({ type: "object", additionalProperties: true });

/**
 * The JSON Schema of a payload schema's input, for adapters: the explicit one if given, else the
 * library's own Standard JSON Schema (`~standard.jsonSchema`, zod 4.2+), else an open object —
 * Enact validates every call with the real schema anyway, so a looser description only costs the
 * model a retry, never a bypass.
 */
export function inputJsonSchemaOf(schema: StandardSchemaV1 | undefined, explicit?: JsonSchema): JsonSchema {
  if (explicit !== undefined) return explicit;
  const converter = schema?.["~standard"].jsonSchema;
  if (converter !== undefined && typeof converter.input === "function") {
    try {
      const converted = converter.input({ target: "draft-07" });
      if (typeof converted === "object" && converted !== null) {
        const { $schema: _ignored, ...rest } = converted;
        return rest;
      }
    } catch {
      // Some schemas (transforms, custom types) cannot be described: fall back to an open object.
    }
  }
  return OPEN_OBJECT_SCHEMA;
}
