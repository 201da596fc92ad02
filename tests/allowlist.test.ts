import { describe, expect, it } from "vitest";
import { ConfigurationError, PermissionError } from "enact-sdk";
import { Allowlist } from "../src/connectors/allowlist.js";

const ACTIONS = ["insert_row", "delete_row"] as const;

describe("Allowlist", () => {
  it("allows every known action by default", () => {
    const allowlist = new Allowlist("postgres", ACTIONS, undefined);
    expect(() => allowlist.check("delete_row")).not.toThrow();
  });

  it("allows nothing when given an empty list", () => {
    const allowlist = new Allowlist("postgres", ACTIONS, []);
    expect(() => allowlist.check("insert_row")).toThrow(PermissionError);
    expect(() => allowlist.check("insert_row")).toThrow(/not in allowlist/);
  });

  it("names the action, the system and what is allowed", () => {
    const allowlist = new Allowlist("postgres", ACTIONS, ["insert_row"]);
    expect(() => allowlist.check("delete_row")).toThrow("Action 'delete_row' not in allowlist of postgres connector (allowed: insert_row)");
  });

  it("rejects an unknown action name instead of silently ignoring a typo", () => {
    expect(() => new Allowlist("postgres", ACTIONS, ["insert_rows"])).toThrow(ConfigurationError);
  });
});
