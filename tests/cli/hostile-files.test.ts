import { execFileSync } from "node:child_process";
import { readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { Receipt } from "enact-sdk";
import { fileOf, fillStore, runCli as runCliOf, segments, tempDirectory, type CliResult } from "../support/cli.js";

let directory: string;
let receipts: Receipt[];

beforeEach(async () => {
  directory = await tempDirectory();
  receipts = await fillStore(directory, 3, 1);
});

/**
 * The CLI, killed when the test ends, so a CLI that hangs on what these tests feed it (as it did)
 * fails the test by its timeout and outlives it in no case, however slow the machine.
 */
function runCli(args: readonly string[]): Promise<CliResult> {
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  return runCliOf(args, { signal: controller.signal });
}

/** Replaces a receipt's file with a FIFO that nobody writes to. */
async function fifoInPlaceOf(path: string): Promise<void> {
  await rm(path);
  execFileSync("mkfifo", [path]);
}

describe("enact-sdk and receipt files with a key twice", () => {
  it("verify refuses a receipt whose key repeats, which a first-wins reader would read otherwise", async () => {
    const target = receipts[1] as Receipt;
    const text = await readFile(fileOf(directory, target), "utf8");
    // JSON.parse keeps the last "decision", the signed one; jq's first-wins readers see BLOCK.
    await writeFile(fileOf(directory, target), text.replace('"decision": "PASS"', '"decision": "BLOCK",\n  "decision": "PASS"'));
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`UNREADABLE +${target.runId} +has the key "decision" twice in one object \\(tampered`));
    expect(stdout).toContain("2 valid, 0 invalid, 0 missing, 1 unreadable");
  });

  it("verify refuses a key repeated under an escaped spelling", async () => {
    const target = receipts[0] as Receipt;
    const text = await readFile(fileOf(directory, target), "utf8");
    await writeFile(fileOf(directory, target), text.replace('"decision": "PASS"', '"\\u0064ecision": "BLOCK",\n  "decision": "PASS"'));
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).not.toBe(0);
    expect(stdout).toContain('has the key "decision" twice');
  });

  it("show refuses a receipt whose key repeats (exit 5)", async () => {
    const target = receipts[0] as Receipt;
    const text = await readFile(fileOf(directory, target), "utf8");
    await writeFile(fileOf(directory, target), text.replace('"actorEmail": ', '"actorEmail": "ceo@company.com",\n  "actorEmail": '));
    const { code, stdout, stderr } = await runCli(["show", target.runId, directory]);
    expect(code).toBe(5);
    expect(stdout).toBe("");
    expect(stderr).toContain('has the key "actorEmail" twice');
  });

  it("verify reports a journal line whose key repeats", async () => {
    const [first] = (await segments(directory)) as [string];
    const line = (await readFile(first, "utf8")).trimEnd();
    await writeFile(first, `${line.replace('{"v":1,', '{"v":1, "seq":7,')}\n`);
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/JOURNAL +journal\/000000000000\.jsonl line 1 has the key "seq" twice/);
  });
});

describe("enact-sdk and store files that are not regular files", () => {
  it("verify reports a FIFO named like a receipt instead of waiting on it", async () => {
    const target = receipts[2] as Receipt;
    await fifoInPlaceOf(fileOf(directory, target));
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`UNREADABLE +${target.runId} +is not a regular file`));
  });

  it("verify reports a symlink to /dev/zero named like a receipt instead of reading forever", async () => {
    const target = receipts[0] as Receipt;
    await rm(fileOf(directory, target));
    await symlink("/dev/zero", fileOf(directory, target));
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`UNREADABLE +${target.runId} +is not a regular file`));
  });

  it("verify reads a receipt through a symlink to a regular file", async () => {
    const target = receipts[0] as Receipt;
    const elsewhere = `${await tempDirectory()}/kept.json`;
    await writeFile(elsewhere, await readFile(fileOf(directory, target)));
    await rm(fileOf(directory, target));
    await symlink(elsewhere, fileOf(directory, target));
    expect((await runCli(["verify", directory])).code).toBe(0);
  });

  it("verify reports a FIFO and a /dev/zero symlink named like journal segments", async () => {
    const [first, second] = (await segments(directory)) as [string, string];
    await fifoInPlaceOf(first);
    await rm(second);
    await symlink("/dev/zero", second);
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/JOURNAL +journal\/000000000000\.jsonl is not a regular file/);
    expect(stdout).toMatch(/JOURNAL +journal\/000000000001\.jsonl is not a regular file/);
  });

  it("verify reports a journal replaced by a FIFO as a broken journal, not an internal error", async () => {
    await rm(`${directory}/journal`, { recursive: true });
    execFileSync("mkfifo", [`${directory}/journal`]);
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/JOURNAL +journal\/ is not a directory \(replaced\)/);
  });

  it("verify reports a receipt file over 16 MiB without reading it", async () => {
    const target = receipts[1] as Receipt;
    await truncate(fileOf(directory, target), 16 * 1024 * 1024 + 1);
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`UNREADABLE +${target.runId} +is 16777217 bytes, over the 16777216-byte limit`));
  });

  it("show reports a FIFO named like the receipt (exit 5)", async () => {
    const target = receipts[0] as Receipt;
    await fifoInPlaceOf(fileOf(directory, target));
    const { code, stderr } = await runCli(["show", target.runId, directory]);
    expect(code).toBe(5);
    expect(stderr).toContain("is not a regular file");
  });

  it("show reads its receipt when a journal segment is a FIFO", async () => {
    const [first] = (await segments(directory)) as [string];
    await fifoInPlaceOf(first);
    const { code, stdout } = await runCli(["show", (receipts[2] as Receipt).runId, directory]);
    expect(code).toBe(0);
    expect(stdout).toContain("problem(s) elsewhere");
  });

  it("list names a FIFO named like a receipt and lists the others (exit 5)", async () => {
    const target = receipts[1] as Receipt;
    await fifoInPlaceOf(fileOf(directory, target));
    const { code, stdout, stderr } = await runCli(["list", directory]);
    expect(code).toBe(5);
    expect(stderr).toContain(`${target.runId}.json is not a regular file`);
    expect(stdout).toContain((receipts[0] as Receipt).runId);
  });
});
