import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { buildReceipt, ReceiptExistsError, signReceipt, verifySignature, writeReceipt, type Receipt } from "enact-sdk";
import { namesLeft } from "./support/temporary.js";

const SECRET = "file-test-secret-0123456789abcdef-xx";
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "enact-receipts-"));
});

function signed(payload: Record<string, unknown> = { x: 1 }): Receipt {
  return signReceipt(
    buildReceipt({ workflow: "test", actorEmail: "a@b.com", payload, policyResults: [], decision: "PASS" }),
    SECRET,
  );
}

describe("writeReceipt()", () => {
  it("writes <runId>.json as 2-space JSON and returns its path", async () => {
    const receipt = signed();
    const path = await writeReceipt(receipt, directory);
    expect(path).toBe(join(directory, `${receipt.runId}.json`));
    const text = await readFile(path, "utf8");
    expect(text).toBe(`${JSON.stringify(receipt, null, 2)}\n`);
  });

  it("creates the directory when it is missing", async () => {
    const nested = join(directory, "nested", "receipts");
    const path = await writeReceipt(signed(), nested);
    expect(JSON.parse(await readFile(path, "utf8")).workflow).toBe("test");
  });

  it("refuses to overwrite an existing receipt and leaves it untouched", async () => {
    const receipt = signed();
    const path = await writeReceipt(receipt, directory);
    await expect(writeReceipt({ ...receipt, decision: "BLOCK" }, directory)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(JSON.parse(await readFile(path, "utf8")).decision).toBe("PASS");
  });

  it("leaves no temporary file behind, also after a refused overwrite", async () => {
    const receipt = signed();
    await writeReceipt(receipt, directory);
    await writeReceipt(receipt, directory).catch(() => undefined);
    expect(await namesLeft(directory)).toEqual([`${receipt.runId}.json`]);
  });

  it("refuses a run id that is not a UUID, so a receipt cannot be written outside its directory", async () => {
    await expect(writeReceipt({ ...signed(), runId: "../../etc/passwd" }, directory)).rejects.toThrow(/run id/);
  });

  it("round-trips Dates and bigints so the receipt still verifies after being read back", async () => {
    const receipt = signReceipt(
      buildReceipt({
        workflow: "test",
        actorEmail: "a@b.com",
        payload: {},
        policyResults: [],
        decision: "PASS",
        actionsTaken: [
          { action: "insert_row", system: "postgres", success: true, output: { createdAt: new Date(), id: 9007199254740993n } },
        ],
      }),
      SECRET,
    );
    const path = await writeReceipt(receipt, directory);
    const readBack: unknown = JSON.parse(await readFile(path, "utf8"));
    expect(verifySignature(readBack, SECRET)).toBe(true);
    expect((readBack as Receipt).actionsTaken[0]?.output.id).toBe("9007199254740993");
  });

  it("writes a receipt whose file, edited on disk, no longer verifies", async () => {
    const path = await writeReceipt(signed({ amount: 100 }), directory);
    await writeFile(path, (await readFile(path, "utf8")).replace('"amount": 100', '"amount": 1000'));
    expect(verifySignature(JSON.parse(await readFile(path, "utf8")), SECRET)).toBe(false);
  });
});
