import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openUi } from "../../src/ui/open-ui.js";
import { APPROVER, seededStore, UI_SECRET } from "./ui-fixture.js";

const FIRST = { page: 0, pageSize: 50 };

describe("the receipts list before its index is built", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function opened() {
    const store = await seededStore();
    const ui = await openUi({ location: { directory: store.dir }, secret: UI_SECRET, approvers: [APPROVER], as: APPROVER });
    cleanups.push(async () => {
      await ui.close();
      await rm(store.dir, { recursive: true, force: true });
    });
    return { store, service: ui.service };
  }

  it("answers the first page, verified, then the same page from the built index", async () => {
    const { service } = await opened();
    const early = await service.list(FIRST);
    expect(early.complete).toBe(false);
    expect(early.total).toBe(7);
    expect(new Set(early.rows.map((row) => `${row.verification.signature}/${row.verification.journal}`))).toEqual(new Set(["valid/recorded"]));
    await service.index.refresh();
    const built = await service.list(FIRST);
    expect(built.complete).toBe(true);
    expect(built.rows).toEqual(early.rows);
  });

  it("shows a receipt edited on disk as tampered on the early page", async () => {
    const { store, service } = await opened();
    const path = join(store.dir, `${store.ids.pass}.json`);
    const original = await readFile(path, "utf8");
    const edited = original.replace('"amount": 120', '"amount": 12000');
    expect(edited).not.toBe(original);
    await writeFile(path, edited);
    const early = await service.list(FIRST);
    expect(early.complete).toBe(false);
    expect(early.rows.find((row) => row.runId === store.ids.pass)?.verification.signature).toBe("invalid");
  });

  it("waits for the index for a filtered page: filters need every receipt", async () => {
    const { service } = await opened();
    const blocked = await service.list({ ...FIRST, decision: "BLOCK" });
    expect(blocked.complete).toBe(true);
    expect(blocked.rows.map((row) => row.decision)).toEqual(["BLOCK", "BLOCK"]);
  });
});
