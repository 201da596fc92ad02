import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, writeReceipt } from "enact-sdk";
import { auditReceiptDirectory } from "../src/journal/file-source.js";
import { MAX_SPARE_DIRECTORIES } from "../src/temporary-file.js";
import { CLI_SECRET, makeReceipt, ROOT, runNode, TSX } from "./support/cli.js";
import { namesBesideSpare, SPARE_FILE, TEMPORARY_DIRECTORY, temporaryFiles } from "./support/spare.js";

const tempRoot = (): Promise<string> => mkdtemp(join(tmpdir(), "enact-spare-"));

// A receipt write takes a temporary file opened ahead of time, so it waits for write and link only.
describe("the spare temporary file of a receipt directory", () => {
  it("is one empty file in the hidden .tmp directory, open for the next write", async () => {
    const directory = await tempRoot();
    await writeReceipt(makeReceipt(), directory);
    await expect.poll(() => temporaryFiles(directory)).toHaveLength(1);
    const [spare = ""] = await temporaryFiles(directory);
    expect(spare).toMatch(SPARE_FILE);
    expect((await stat(join(directory, TEMPORARY_DIRECTORY, spare))).size).toBe(0);
  });

  it("becomes the next receipt, and a new spare replaces it", async () => {
    const directory = await tempRoot();
    await writeReceipt(makeReceipt(), directory);
    await expect.poll(() => temporaryFiles(directory)).toHaveLength(1);
    const [before] = await temporaryFiles(directory);
    const receipt = makeReceipt();
    await writeReceipt(receipt, directory);
    await expect.poll(async () => (await temporaryFiles(directory)).filter((name) => name !== before)).toHaveLength(1);
    expect(await temporaryFiles(directory)).not.toContain(before);
    expect(await namesBesideSpare(directory)).toHaveLength(2);
  });

  it("is not taken for a receipt when its directory was removed and created again since", async () => {
    const directory = join(await tempRoot(), "receipts");
    await writeReceipt(makeReceipt(), directory);
    await expect.poll(() => temporaryFiles(directory)).toHaveLength(1);
    await rm(directory, { recursive: true });
    await mkdir(directory);
    const receipt = makeReceipt();
    await writeReceipt(receipt, directory);
    await expect.poll(() => namesBesideSpare(directory)).toEqual([`${receipt.runId}.json`]);
  });

  it("is counted neither as a receipt nor as a finding by the store and its audit", async () => {
    const directory = await tempRoot();
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    const receipt = makeReceipt();
    await store.write(receipt);
    await store.flush();
    await expect.poll(() => temporaryFiles(directory)).toHaveLength(1);
    expect((await store.list()).map((r) => r.runId)).toEqual([receipt.runId]);
    expect(await auditReceiptDirectory(directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { receipts: 1 } });
  });

  it(`is kept in at most ${MAX_SPARE_DIRECTORIES} directories at once, the most recently written`, async () => {
    const root = await tempRoot();
    const directories = Array.from({ length: MAX_SPARE_DIRECTORIES + 4 }, (_, n) => join(root, `d${n}`));
    for (const directory of directories) {
      await writeReceipt(makeReceipt(), directory);
      await expect.poll(() => temporaryFiles(directory)).toHaveLength(1);
    }
    const spareCounts = async (): Promise<number[]> => Promise.all(directories.map(async (d) => (await temporaryFiles(d)).length));
    const expected = directories.map((_, n) => (n < 4 ? 0 : 1));
    await expect.poll(spareCounts).toEqual(expected);
  });

  it.each(["natural", "exit"])("is removed, with every other temporary name, when the process ends (%s)", async (ending) => {
    const root = await tempRoot();
    const count = MAX_SPARE_DIRECTORIES + 2;
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/write-in-directories.ts"), root, String(count), ending]);
    expect([result.code, result.stdout]).toEqual([0, "written\n"]);
    const directories = await readdir(root);
    expect(directories).toHaveLength(count);
    for (const directory of directories) {
      expect((await readdir(join(root, directory))).sort()).toEqual([TEMPORARY_DIRECTORY, expect.stringMatching(/^[0-9a-f-]{36}\.json$/)]);
      expect(await temporaryFiles(join(root, directory))).toEqual([]);
    }
  });

  it("is removed when the process exits while it is still being opened", async () => {
    const directory = await tempRoot();
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/exit-during-open.ts"), directory]);
    expect(result.code).toBe(0);
    expect(await temporaryFiles(directory)).toEqual([]);
  });
});
