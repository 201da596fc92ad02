import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, writeReceipt } from "enact-sdk";
import { auditReceiptDirectory } from "../src/journal/file-source.js";
import { MAX_SPARE_DIRECTORIES, SPARES_PER_DIRECTORY } from "../src/temporary-file.js";
import { CLI_SECRET, makeReceipt, ROOT, runNode, TSX } from "./support/cli.js";
import { namesBesideSpares, spares, TEMPORARY_DIRECTORY, temporaryFiles } from "./support/spare.js";

const tempRoot = (): Promise<string> => mkdtemp(join(tmpdir(), "enact-spare-"));

// A receipt write takes a temporary file opened ahead of time, so it waits for write and link only.
describe("the spare temporary files of a receipt directory", () => {
  it("are one empty file in the hidden .tmp directory after a directory's first write", async () => {
    const directory = await tempRoot();
    await writeReceipt(makeReceipt(), directory);
    await expect.poll(() => spares(directory)).toHaveLength(1);
  });

  it("become the next receipts, and new spares replace them", async () => {
    const directory = await tempRoot();
    await writeReceipt(makeReceipt(), directory);
    await expect.poll(() => spares(directory)).toHaveLength(1);
    const [before = ""] = await spares(directory);
    const { ino } = await stat(join(directory, TEMPORARY_DIRECTORY, before));
    const receipt = makeReceipt();
    await writeReceipt(receipt, directory);
    expect((await stat(join(directory, `${receipt.runId}.json`))).ino).toBe(ino);
    await expect.poll(async () => (await spares(directory)).includes(before)).toBe(false);
    expect(await spares(directory)).not.toHaveLength(0);
  });

  it(`grow with a directory's writes, up to ${SPARES_PER_DIRECTORY}, refilled when they run low`, async () => {
    const directory = await tempRoot();
    for (let n = 0; n < 3 * SPARES_PER_DIRECTORY; n += 1) {
      await writeReceipt(makeReceipt(), directory);
      expect((await temporaryFiles(directory)).length).toBeLessThanOrEqual(2 * SPARES_PER_DIRECTORY);
    }
    await expect.poll(async () => (await spares(directory)).length).toSatisfy((count) => count >= 1 && count <= SPARES_PER_DIRECTORY);
    // A burst takes them all; the refill leaves the directory its full stock once the burst is served.
    await Promise.all(Array.from({ length: 3 * SPARES_PER_DIRECTORY }, () => writeReceipt(makeReceipt(), directory)));
    await expect.poll(() => spares(directory)).toHaveLength(SPARES_PER_DIRECTORY);
  });

  it("are not taken for a receipt when their directory was removed and created again since", async () => {
    const directory = join(await tempRoot(), "receipts");
    for (let n = 0; n < 4; n += 1) await writeReceipt(makeReceipt(), directory);
    await expect.poll(async () => (await spares(directory)).length).toBeGreaterThan(0);
    await rm(directory, { recursive: true });
    await mkdir(directory);
    const receipts = [makeReceipt(), makeReceipt()];
    for (const receipt of receipts) await writeReceipt(receipt, directory);
    await expect.poll(() => namesBesideSpares(directory)).toEqual(receipts.map((r) => `${r.runId}.json`).sort());
  });

  it("are counted neither as receipts nor as findings by the store and its audit", async () => {
    const directory = await tempRoot();
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    const receipts = [makeReceipt(), makeReceipt(), makeReceipt()];
    for (const receipt of receipts) await store.write(receipt);
    await store.flush();
    await expect.poll(async () => (await spares(directory)).length).toBeGreaterThan(0);
    expect((await store.list()).map((r) => r.runId).sort()).toEqual(receipts.map((r) => r.runId).sort());
    expect(await auditReceiptDirectory(directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { receipts: 3 } });
  });

  it(`are kept in at most ${MAX_SPARE_DIRECTORIES} directories at once, the most recently written`, async () => {
    const root = await tempRoot();
    const directories = Array.from({ length: MAX_SPARE_DIRECTORIES + 4 }, (_, n) => join(root, `d${n}`));
    for (const directory of directories) {
      await writeReceipt(makeReceipt(), directory);
      await expect.poll(() => spares(directory)).toHaveLength(1);
    }
    const spareCounts = async (): Promise<number[]> => Promise.all(directories.map(async (d) => (await spares(d)).length));
    const expected = directories.map((_, n) => (n < 4 ? 0 : 1));
    await expect.poll(spareCounts).toEqual(expected);
  });

  it.each(["natural", "exit"])("are removed, with every other temporary name, when the process ends (%s)", async (ending) => {
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

  it("are removed when the process exits while one is still being opened", async () => {
    const directory = await tempRoot();
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/exit-during-open.ts"), directory]);
    expect(result.code).toBe(0);
    expect(await temporaryFiles(directory)).toEqual([]);
  });
});
