import type { CustomTypesConfig } from "pg";
import type { JsonValue } from "../../models.js";
import { toJsonSafe } from "../../json-safe.js";

/** A row as the connector returns it: plain JSON, so receipts sign and verify byte for byte. */
export type JsonRow = { [column: string]: JsonValue };

// Type OIDs whose default JavaScript form loses information or is not JSON.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIME = 1083;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const INTERVAL = 1186;
const TIMETZ = 1266;

type TypeParser = (text: string) => unknown;
type GetTypeParser = (oid: number, format?: "text" | "binary") => TypeParser;

/**
 * Per-query type parsers (so a pool the user passed in keeps its own global settings):
 * bigint and numeric stay exact decimal strings; timestamps become ISO-8601 strings with the
 * full microsecond precision Postgres stores (a JS Date would drop it and shift `timestamp`
 * into the process's time zone); date, time and interval keep Postgres's own text. bytea
 * (Buffer) becomes base64 and json stays parsed, in `rowToJson`.
 */
export function connectorTypes(defaults: { getTypeParser: GetTypeParser }): CustomTypesConfig {
  const getTypeParser: GetTypeParser = (oid, format = "text") => {
    if (format === "text") {
      switch (oid) {
        case INT8:
        case NUMERIC:
        case DATE:
        case TIME:
        case TIMETZ:
        case INTERVAL:
          return asText;
        case TIMESTAMP:
        case TIMESTAMPTZ:
          return isoTimestamp;
        default:
          break;
      }
    }
    return defaults.getTypeParser(oid, format);
  };
  return { getTypeParser } as CustomTypesConfig;
}

/** The parser that keeps Postgres's text as it is. */
function asText(text: string): string {
  return text;
}

// Postgres's ISO DateStyle: "2026-05-01 12:34:56.789123+00", "+05:30", "-03:00:15" or no zone.
const PG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-])(\d{2})(?::(\d{2}))?)?$/;

/**
 * "2026-05-01 12:34:56.789123+00" → "2026-05-01T12:34:56.789123Z". Anything that has no exact
 * ISO form (infinity, BC dates, second-level offsets, another DateStyle) keeps Postgres's text,
 * which Postgres reads back unchanged.
 */
export function isoTimestamp(text: string): string {
  const match = PG_TIMESTAMP.exec(text);
  if (match === null) return text;
  const [, date, time, sign, hours, minutes] = match;
  if (sign === undefined) return `${date}T${time}`;
  if (hours === "00" && (minutes === undefined || minutes === "00")) return `${date}T${time}Z`;
  return `${date}T${time}${sign}${hours}:${minutes ?? "00"}`;
}

/** A row made plain JSON: Buffer → base64, NaN/Infinity → their names, anything else left as is. */
export function rowToJson(row: unknown): JsonRow {
  if (isPlainJsonRow(row)) return row;
  const safe = toJsonSafe(row);
  return safe !== null && typeof safe === "object" && !Array.isArray(safe) ? safe : {};
}

/**
 * True when `toJsonSafe` would return an exact copy of `row`: a plain object whose keys and
 * values are already JSON as they are (well-formed strings, finite numbers, booleans, null). Most
 * rows of text, integer and (as the connector's parsers return them) numeric and timestamp
 * columns are, and pg builds a fresh object per row, so such a row is handed back as is instead
 * of being copied. Anything else (bytea, json, arrays, NaN) goes through `toJsonSafe`.
 */
function isPlainJsonRow(row: unknown): row is JsonRow {
  if (typeof row !== "object" || row === null || Object.getPrototypeOf(row) !== Object.prototype) return false;
  for (const key in row) {
    if (!Object.hasOwn(row, key) || key === "__proto__" || !isWellFormed(key)) return false;
    const value = (row as Record<string, unknown>)[key];
    switch (typeof value) {
      case "string":
        if (!isWellFormed(value)) return false;
        break;
      case "number":
        if (!Number.isFinite(value)) return false;
        break;
      case "boolean":
        break;
      default:
        if (value !== null) return false;
    }
  }
  return true;
}

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
