import { ConfigurationError } from "../errors.js";
import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy, type Policy } from "../policy.js";
import { containsStatement, MalformedSqlError, tokenize, unfilteredStatements } from "./sql-scan.js";

/*
 * Database policies read what the run is about to do from the payload, before anything runs:
 *
 *   table                string   the target table, `table` or `schema.table`   (protectTables)
 *   where                object   column → value filter of an update or delete  (noDelete/noUpdateWithoutWhere)
 *   action               string   the connector action the run performs, e.g. `delete_row`
 *   sql, statement       string   raw SQL the workflow will execute             (all four)
 *
 * They fail closed: any of these keys present with the wrong type, or SQL that cannot be read
 * (an unterminated string or comment), fails the policy.
 */

const SQL_KEYS = ["sql", "statement"] as const;

type Verdict = { passed: boolean; reason: string };

/** Runs `check`, turning malformed input into a failed result with the reason. */
function verdict(policy: string, check: () => Verdict): PolicyResult {
  try {
    return { policy, ...check() };
  } catch (error) {
    if (error instanceof MalformedInputError || error instanceof MalformedSqlError) {
      return { policy, passed: false, reason: `Blocked: ${error.message}` };
    }
    throw error;
  }
}

class MalformedInputError extends Error {}

function optionalString(payload: Record<string, unknown>, key: string): string | undefined {
  const value = payload[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new MalformedInputError(`payload.${key} must be a string, got ${describe(value)}.`);
  return value;
}

function sqlTexts(payload: Record<string, unknown>): string[] {
  return SQL_KEYS.map((key) => optionalString(payload, key)).filter((text): text is string => text !== undefined);
}

/** The number of conditions in a well-formed `where`, 0 when absent; throws when malformed. */
function whereConditions(payload: Record<string, unknown>): number {
  const where = payload.where;
  if (where === undefined || where === null) return 0;
  if (typeof where !== "object" || Array.isArray(where) || Object.getPrototypeOf(where) !== Object.prototype) {
    throw new MalformedInputError(`payload.where must be an object of column → value, got ${describe(where)}.`);
  }
  const entries = Object.entries(where);
  const undefinedColumn = entries.find(([, value]) => value === undefined)?.[0];
  if (undefinedColumn !== undefined) throw new MalformedInputError(`payload.where.${undefinedColumn} is undefined.`);
  return entries.length;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/** True when the workflow's name has `word` as one of its `_`/`-`/`.`-separated parts. */
function nameMentions(workflow: string, word: string): boolean {
  return workflow.toLowerCase().split(/[^a-z0-9]+/).includes(word);
}

function withoutWhere(policy: string, kind: "DELETE" | "UPDATE", ctx: WorkflowContext): PolicyResult {
  const action = kind === "DELETE" ? "delete_row" : "update_row";
  const verb = kind === "DELETE" ? "delete" : "update";
  return verdict(policy, () => {
    const conditions = whereConditions(ctx.payload);
    const declared = optionalString(ctx.payload, "action");
    const texts = sqlTexts(ctx.payload);
    const unfiltered = texts.flatMap((text) => unfilteredStatements(text, kind));
    if (unfiltered.length > 0) {
      const first = unfiltered[0] as (typeof unfiltered)[number];
      return {
        passed: false,
        reason: `${first.kind} without a WHERE clause would ${verb} every row: "${first.excerpt} ...". Add a WHERE clause.`,
      };
    }
    const sqlDoesIt = texts.some((text) => containsStatement(text, kind));
    const isThisKind = declared === action || nameMentions(ctx.workflow, verb);
    if (sqlDoesIt) return { passed: true, reason: `Every ${kind} in the SQL has a WHERE clause.` };
    if (!isThisKind) return { passed: true, reason: `Not a${kind === "UPDATE" ? "n" : ""} ${verb}: nothing to check.` };
    if (conditions === 0) {
      return {
        passed: false,
        reason: `${action} without a where would ${verb} every row of the table. Set payload.where to at least one column → value condition.`,
      };
    }
    return { passed: true, reason: `where has ${conditions} condition(s).` };
  });
}

/**
 * Blocks a delete that would remove every row. A run is a delete when `payload.action` is
 * `delete_row` or the workflow's name contains the word `delete` (`db_safe_delete`,
 * `delete-stale-sessions`); it then needs a non-empty `payload.where`. Raw SQL in
 * `payload.sql` / `payload.statement` is always checked: every `DELETE` needs its own `WHERE`,
 * and `TRUNCATE` is blocked. Receipt name: `dont_delete_without_where`.
 *
 * @example
 * new EnactClient({ ..., policies: [noDeleteWithoutWhere, noUpdateWithoutWhere] });
 */
export const noDeleteWithoutWhere: Policy = definePolicy("dont_delete_without_where", (ctx) =>
  withoutWhere("dont_delete_without_where", "DELETE", ctx),
);

/**
 * Blocks an update that would rewrite every row: like `noDeleteWithoutWhere`, for `update_row`
 * and workflows named with the word `update`; SQL `UPDATE ... SET` needs its own `WHERE`
 * (`ON CONFLICT DO UPDATE` is not counted). Receipt name: `dont_update_without_where`.
 */
export const noUpdateWithoutWhere: Policy = definePolicy("dont_update_without_where", (ctx) =>
  withoutWhere("dont_update_without_where", "UPDATE", ctx),
);

/**
 * Blocks any run that targets one of `tables`: `payload.table` (matched case-insensitively, with
 * or without a schema: `users` protects `users` in every schema, `billing.users` protects that
 * table and an unqualified `users`), or any mention of the name in `payload.sql` /
 * `payload.statement`. A run without a table passes. Receipt name: `protect_tables`.
 *
 * @example
 * protectTables(["users", "payments", "billing.invoices"])
 */
export function protectTables(tables: readonly string[]): Policy {
  if (!Array.isArray(tables) || tables.some((table) => typeof table !== "string" || table.trim() === "")) {
    throw new ConfigurationError("protectTables needs an array of table names, e.g. protectTables([\"users\", \"payments\"]).");
  }
  const protectedNames = tables.map(splitName);
  const listed = tables.join(", ");
  return definePolicy("protect_tables", (ctx) =>
    verdict("protect_tables", () => {
      const table = optionalString(ctx.payload, "table");
      if (table !== undefined) {
        const target = splitName(table);
        // A plain (possibly quoted, possibly qualified) name is compared part by part; anything
        // else is searched for protected names, in case a workflow pastes it into SQL.
        const plain = /^[\p{L}\p{N}_$."]+$/u.test(table);
        const hit = protectedNames.find((entry) =>
          plain
            ? entry.name === target.name && (entry.schema === undefined || target.schema === undefined || entry.schema === target.schema)
            : mentions(table, entry.name),
        );
        if (hit !== undefined) return { passed: false, reason: `Table '${table}' is protected (protected: ${listed}).` };
      }
      for (const text of sqlTexts(ctx.payload)) {
        const hit = protectedNames.find((entry) => mentions(text, entry.name));
        if (hit !== undefined) return { passed: false, reason: `SQL touches protected table '${hit.name}' (protected: ${listed}).` };
      }
      if (table === undefined && sqlTexts(ctx.payload).length === 0) return { passed: true, reason: "No table in payload." };
      return { passed: true, reason: `No protected table targeted (protected: ${listed}).` };
    }),
  );
}

/** `"Billing"."Users"` / `billing.users` → { schema: "billing", name: "users" }, lowercased. */
function splitName(table: string): { schema?: string; name: string } {
  const parts = table.split(".").map((part) => part.trim().replace(/^"|"$/g, "").replaceAll('""', '"').toLowerCase());
  const name = parts.at(-1) ?? "";
  return parts.length > 1 ? { schema: parts.at(-2) as string, name } : { name };
}

// Raw-text search (strings and comments included): a false alarm blocks, a miss would not.
function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}_$])${escaped}(?![\\p{L}\\p{N}_$])`, "iu").test(sql);
}

// Statements that change the schema or permissions. Matched on the raw text, strings and
// comments included, so DDL hidden in dynamic SQL (`EXECUTE 'DROP TABLE x'`) is caught too;
// `created_at` or `dropped` do not match.
const DDL = /(?<![\p{L}\p{N}_$])(CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|COMMENT\s+ON|REINDEX)(?![\p{L}\p{N}_$])/iu;
// An anonymous code block (`DO $$ ... $$`) runs arbitrary statements, DDL included.
function hasDoBlock(sql: string): boolean {
  const tokens = tokenize(sql);
  return tokens.some((token, index) => !token.quoted && token.upper === "DO" && (index === 0 || tokens[index - 1]?.text === ";"));
}

/**
 * Blocks schema and permission changes in raw SQL: `CREATE`, `ALTER`, `DROP`, `TRUNCATE`,
 * `GRANT`, `REVOKE`, `COMMENT ON`, `REINDEX` anywhere in `payload.sql` / `payload.statement`
 * (case-insensitive, whole words, strings included), and anonymous `DO` blocks. A run without
 * SQL passes: the connector's row actions cannot run DDL. Receipt name: `block_ddl`.
 */
export const blockDdl: Policy = definePolicy("block_ddl", (ctx) =>
  verdict("block_ddl", () => {
    const texts = sqlTexts(ctx.payload);
    for (const text of texts) {
      const keyword = DDL.exec(text)?.[1];
      if (keyword !== undefined) {
        return { passed: false, reason: `DDL blocked: '${keyword.toUpperCase().replace(/\s+/g, " ")}' changes the schema or permissions.` };
      }
      if (hasDoBlock(text)) return { passed: false, reason: "DDL blocked: a DO block can run any statement." };
    }
    return { passed: true, reason: texts.length === 0 ? "No SQL in payload." : "No DDL in the SQL." };
  }),
);
