import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { FileReceiptStore } from "enact-sdk";

// File systems list a directory in their own order (ext4 by hash, tmpfs newest first, some sorted
// by name). Here the approvals directory is listed in reverse name order, the one order a sorted
// listing can never come from by chance.
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const readdir = (async (path: string) => {
    const names = (await actual.readdir(path)) as string[];
    return path.endsWith("approvals") ? [...names].sort().reverse() : names;
  }) as typeof actual.readdir;
  return { ...actual, readdir, default: { ...actual, readdir } };
});

describe("FileReceiptStore.listApprovals", () => {
  it("lists approvals in the order of their ids, whatever order the directory lists their files in", async () => {
    const store = new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-approval-listing-")));
    const ids = Array.from({ length: 5 }, () => randomUUID()).sort();
    for (const id of ids) {
      await store.putApprovalStage(id, "request", JSON.stringify({ id }));
      await store.putApprovalStage(id, "decision", JSON.stringify({ id, decision: "approved" }));
    }
    const listed = await store.listApprovals();
    expect(listed).toEqual(ids.map((id) => ({ request: JSON.stringify({ id }), decision: JSON.stringify({ id, decision: "approved" }) })));
  });
});
