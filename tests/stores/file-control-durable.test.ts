import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FileReceiptStore } from "enact-sdk";

// An approval's use record lost to a power cut would make a used approval usable again, so the file
// store fsyncs each stage and its directory before it reports the stage written. What a power cut
// keeps cannot be seen from a test; the fsyncs can: `fsync` is watched, and still does its work.
const fsyncs = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    fsyncs.count += 1;
    actual.fsync(fd, callback);
  }) as typeof actual.fsync;
  return { ...actual, fsync, default: { ...actual, fsync } };
});

let store: FileReceiptStore;
beforeEach(async () => {
  store = new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-durable-approvals-")));
  fsyncs.count = 0;
});

describe("approval stages", () => {
  it("are fsynced, the file and its directory, before the write resolves", async () => {
    const id = randomUUID();
    expect(await store.putApprovalStage(id, "use", '{"run":"r1"}')).toBe(true);
    expect(fsyncs.count).toBe(2);
    expect(await readFile(join(store.directory, "approvals", `${id}.use.json`), "utf8")).toBe('{"run":"r1"}');
  });
});
