import { beforeEach, describe, expect, it } from "vitest";
import { FileReceiptStore, type Receipt } from "enact-sdk";
import { clean } from "../../src/cli/output.js";
import { CLI_SECRET, makeReceipt, runCli, tempDirectory } from "../support/cli.js";

// Each prints as nothing, or reorders what follows: an agent could pass itself off as someone else.
const INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u202a", "\u202e", "\u2066", "\u2069", "\u2060", "\u00ad"];

let directory: string;
let spoof: Receipt;

beforeEach(async () => {
  directory = await tempDirectory();
  spoof = makeReceipt({
    actorEmail: "ceo@acme.com\u200b",
    workflow: "db_safe_insert\u202e",
    policyResults: [{ policy: "block_ddl\u2066", passed: true, reason: "No DDL\ufeff in payload" }],
    payload: { table: "leads\u061c", note: "paid\u200f" },
  });
  const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
  await store.write(spoof);
  await store.flush();
});

function printsNoInvisible(text: string): void {
  for (const char of INVISIBLE) expect(text).not.toContain(char);
}

describe("enact-sdk escapes zero-width and bidirectional characters", () => {
  it("clean() escapes every zero-width, bidi and invisible mark", () => {
    for (const char of INVISIBLE) expect(clean(`a${char}b`)).toBe(`a\\u{${(char.codePointAt(0) ?? 0).toString(16)}}b`);
  });

  it("list shows ceo@acme.com\\u200b so it does not read as ceo@acme.com", async () => {
    const { code, stdout } = await runCli(["list", directory]);
    expect(code).toBe(0);
    expect(stdout).toContain("ceo@acme.com\\u{200b}");
    expect(stdout).toContain("db_safe_insert\\u{202e}");
    printsNoInvisible(stdout);
  });

  it("show escapes them in every field", async () => {
    const { code, stdout } = await runCli(["show", spoof.runId, directory]);
    expect(code).toBe(0);
    expect(stdout).toContain("ceo@acme.com\\u{200b}");
    expect(stdout).toContain("block_ddl\\u{2066}: No DDL\\u{feff} in payload");
    printsNoInvisible(stdout);
  });

  it("list --json and show --json write them as \\u escapes, the same JSON values", async () => {
    const list = await runCli(["list", directory, "--json"]);
    printsNoInvisible(list.stdout);
    expect(list.stdout).toContain("ceo@acme.com\\u200b");
    expect((JSON.parse(list.stdout) as { receipts: { actorEmail: string }[] }).receipts[0]?.actorEmail).toBe("ceo@acme.com\u200b");
    const show = await runCli(["show", spoof.runId, directory, "--json"]);
    printsNoInvisible(show.stdout);
    expect((JSON.parse(show.stdout) as { receipt: Receipt }).receipt).toEqual(spoof);
  });
});
