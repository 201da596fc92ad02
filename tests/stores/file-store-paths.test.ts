import { randomUUID } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore } from "enact-sdk";

describe("FileReceiptStore's directory", () => {
  it("is ./receipts unless given", () => {
    expect(new FileReceiptStore().directory).toBe("receipts");
  });

  it("fails to list, rather than list nothing, when it is not a directory", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "enact-file-store-paths-")), "receipts");
    await writeFile(file, "not a directory");
    await expect(new FileReceiptStore(file).list()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("FileReceiptStore.load", () => {
  it.each([["before", (id: string) => `x${id}`], ["after", (id: string) => `${id}x`], ["around", (id: string) => `../${id}/..`]])(
    "answers undefined for a run id with text %s its 36 characters",
    async (_where, wrap) => {
      const store = new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-file-store-paths-")));
      expect(await store.load(wrap(randomUUID()))).toBeUndefined();
    },
  );
});
