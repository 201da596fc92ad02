import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileReceiptStore, signReceipt, type Receipt } from "enact-sdk";
import { CLI_SECRET, makeReceipt, ROOT, runCli, tempDirectory, TSX } from "../support/cli.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { DATABASE_URL, dropTables, freshPrefix, postgresStore, useDatabase } from "../support/postgres-journal.js";

/** A store holding `receipts`, journaled. */
async function storeOf(receipts: readonly Receipt[]): Promise<string> {
  const directory = await tempDirectory();
  const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
  for (const receipt of receipts) await store.write(receipt);
  await store.flush();
  return directory;
}

/** A signed receipt dated `hoursAgo` hours before now. */
function receiptFrom(hoursAgo: number, workflow: string): Receipt {
  const timestamp = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return signReceipt({ ...makeReceipt({ workflow }), timestamp, signature: "" }, CLI_SECRET);
}

/** A signed receipt whose run id is `runId`. */
function receiptWithId(runId: string): Receipt {
  return signReceipt({ ...makeReceipt(), runId, signature: "" }, CLI_SECRET);
}

describe("enact-sdk --version", () => {
  it("prints the package version and exits 0", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const { code, stdout, stderr } = await runCli([flag], { env: { ENACT_SECRET: undefined } });
      expect(code).toBe(0);
      expect(stdout).toBe(`${pkg.version}\n`);
      expect(stderr).toBe("");
    }
  });
});

describe("enact-sdk show with the start of a run id", () => {
  const a = receiptWithId("0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f");
  const b = receiptWithId("0b6f9999-8d7e-4a39-9f0e-3c2d1b4a5e6f");
  const c = receiptWithId("7c000000-8d7e-4a39-9f0e-3c2d1b4a5e6f");

  it("shows the one receipt a unique prefix names", async () => {
    const directory = await storeOf([a, b, c]);
    const { code, stdout } = await runCli(["show", "0b6f1", directory]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Receipt ${a.runId}`);
    expect((await runCli(["show", "7C", directory])).stdout).toContain(`Receipt ${c.runId}`);
  });

  it("refuses an ambiguous prefix as a usage error naming the candidates", async () => {
    const directory = await storeOf([a, b, c]);
    const { code, stdout, stderr } = await runCli(["show", "0b6f", directory]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`error: 0b6f is the start of several run ids (${a.runId}, ${b.runId}): give more of it.\n`);
  });

  it("exits 6 when no run id starts with the prefix", async () => {
    const directory = await storeOf([a]);
    const { code, stderr } = await runCli(["show", "ffff", directory]);
    expect(code).toBe(6);
    expect(stderr).toContain("No receipt whose run id starts with ffff");
  });

  it("refuses what cannot start a run id", async () => {
    const directory = await storeOf([a]);
    for (const text of ["../etc", "0b6f%", "zz", ""]) expect((await runCli(["show", text, directory])).code).toBe(2);
  });
});

describe("enact-sdk show with the start of a run id, on a Postgres store", () => {
  const prefix = freshPrefix();
  beforeAll(async () => {
    useDatabase((await getTestDatabase()).connectionString);
  });
  afterAll(async () => {
    await dropTables(prefix);
    await releaseTestDatabase();
  });

  it("shows the receipt a unique prefix names, and refuses an ambiguous one", async () => {
    const receipts = [receiptWithId("5a000000-8d7e-4a39-9f0e-3c2d1b4a5e6f"), receiptWithId("5a100000-8d7e-4a39-9f0e-3c2d1b4a5e6f")];
    const writer = postgresStore(prefix);
    for (const receipt of receipts) await writer.write(receipt);
    await writer.close();
    const store = ["--database-url", DATABASE_URL, "--table-prefix", prefix];
    const shown = await runCli(["show", "5a1", ...store]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Receipt ${receipts[1]?.runId}`);
    const ambiguous = await runCli(["show", "5a", ...store]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`5a is the start of several run ids (${receipts[0]?.runId}, ${receipts[1]?.runId})`);
  });
});

describe("enact-sdk list --since / --until with a time ago", () => {
  it("--since 1h lists only the last hour's receipts", async () => {
    const directory = await storeOf([receiptFrom(30, "old_run"), receiptFrom(3, "earlier_run"), receiptFrom(0, "recent_run")]);
    const { code, stdout } = await runCli(["list", directory, "--since", "1h"]);
    expect(code).toBe(0);
    expect(stdout).toContain("recent_run");
    expect(stdout).not.toContain("earlier_run");
    expect(stdout).not.toContain("old_run");
  });

  it("accepts minutes, days and weeks, and --until as well", async () => {
    const directory = await storeOf([receiptFrom(30, "old_run"), receiptFrom(3, "earlier_run"), receiptFrom(0, "recent_run")]);
    const within = await runCli(["list", directory, "--since", "7d", "--until", "90m", "--json"]);
    expect((JSON.parse(within.stdout) as { receipts: { workflow: string }[] }).receipts.map((r) => r.workflow)).toEqual(["old_run", "earlier_run"]);
    const since = await runCli(["list", directory, "--since", "300m", "--json"]);
    expect((JSON.parse(since.stdout) as { receipts: unknown[] }).receipts).toHaveLength(2);
    const weeks = await runCli(["list", directory, "--since", "2w", "--json"]);
    expect((JSON.parse(weeks.stdout) as { receipts: unknown[] }).receipts).toHaveLength(3);
  });

  it("still accepts ISO dates and refuses anything else as a usage error", async () => {
    const directory = await storeOf([receiptFrom(0, "recent_run")]);
    expect((await runCli(["list", directory, "--since", "2000-01-01"])).stdout).toContain("recent_run");
    const bad = await runCli(["list", directory, "--since", "1 fortnight"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("or a time ago (30m, 1h, 7d, 2w)");
  });
});

describe("enact-sdk show for a run with no actions", () => {
  it("says nothing changed", async () => {
    const quiet = makeReceipt({ actionsTaken: [] });
    const directory = await storeOf([quiet]);
    const { code, stdout } = await runCli(["show", quiet.runId, directory]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/What changed: 0 actions\n {2}nothing changed\n/);
    expect(stdout).not.toContain("FAILED");
  });

  it("says nothing changed, and why, for a blocked run and a run that stopped before any action", async () => {
    const blocked = makeReceipt({ decision: "BLOCK", actionsTaken: [] });
    const stopped = makeReceipt({ actionsTaken: [], error: "workflow threw: connection refused" });
    const directory = await storeOf([blocked, stopped]);
    expect((await runCli(["show", blocked.runId, directory])).stdout).toContain("nothing changed: the run was blocked");
    expect((await runCli(["show", stopped.runId, directory])).stdout).toContain("nothing changed: the run stopped before any action");
  });
});

describe("enact-sdk writing to a closed pipe", () => {
  it("exits quietly when the reader has gone (enact-sdk list | head)", async () => {
    const directory = await storeOf([makeReceipt(), makeReceipt()]);
    const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src/cli/main.ts"), "list", directory], {
      env: { PATH: process.env.PATH ?? "", ENACT_SECRET: CLI_SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The reader goes away before the CLI writes its table.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
