import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, type IdempotencyClaim } from "enact-sdk";

/*
 * The file store's claims, held by one run: only that run may move or release them (mutation
 * testing found these checks unpinned; docs/mutation.md).
 */

const HOLDER = "00000000-0000-4000-8000-000000000001";
const OTHER = "00000000-0000-4000-8000-000000000002";

function claimOf(key: string, runId = HOLDER): IdempotencyClaim {
  const now = new Date().toISOString();
  return { key, fingerprint: "f", workflow: "w", actorEmail: "agent@acme.dev", payload: {}, runId, state: "claimed", owner: "here:1", claimedAt: now, updatedAt: now };
}

async function store(): Promise<FileReceiptStore> {
  return new FileReceiptStore(join(await mkdtemp(join(tmpdir(), "enact-file-claims-")), "not", "yet", "made"));
}

describe("FileReceiptStore claims", () => {
  it("takes a key in a store directory that does not exist yet", async () => {
    const claims = await store();

    expect(await claims.claim(claimOf("k"))).toBeUndefined();
    expect(await claims.getClaim("k")).toMatchObject({ runId: HOLDER, state: "claimed" });
  });

  it("leaves a claim alone when another run asks to move it", async () => {
    const claims = await store();
    await claims.claim(claimOf("k"));

    await claims.updateClaim("k", OTHER, "completed");

    expect(await claims.getClaim("k")).toMatchObject({ runId: HOLDER, state: "claimed" });
  });

  it("keeps a claim when another run asks to release it, answering false", async () => {
    const claims = await store();
    await claims.claim(claimOf("k"));

    expect(await claims.releaseClaim("k", OTHER)).toBe(false);
    expect(await claims.getClaim("k")).toMatchObject({ runId: HOLDER });
  });

  it("frees a key its own run releases, answering true", async () => {
    const claims = await store();
    await claims.claim(claimOf("k"));

    expect(await claims.releaseClaim("k", HOLDER)).toBe(true);
    expect(await claims.getClaim("k")).toBeUndefined();
  });

  it("refuses to read a claim file it cannot parse instead of taking the key as free", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-file-claims-"));
    const claims = new FileReceiptStore(directory);
    await mkdir(join(directory, "claims"), { recursive: true });
    await writeFile(join(directory, "claims", `${createHash("sha256").update("k", "utf8").digest("hex")}.json`), "{ torn");

    await expect(claims.getClaim("k")).rejects.toThrow(SyntaxError);
  });

  it("fails a claim it could not write for a reason other than a taken key, instead of reading the key as held", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-file-claims-"));
    const claims = new FileReceiptStore(directory);
    // The claims directory exists, but its temporary files cannot be made: a file sits where `.tmp/` goes.
    await mkdir(join(directory, "claims"), { recursive: true });
    await writeFile(join(directory, "claims", ".tmp"), "in the way");

    await expect(claims.claim(claimOf("k"))).rejects.toMatchObject({ code: "ENOTDIR" });
    expect(await claims.getClaim("k")).toBeUndefined();
  });

  it("tries to make the claims directory again after a failed attempt", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-file-claims-"));
    const claims = new FileReceiptStore(directory);
    await writeFile(join(directory, "claims"), "in the way");
    await expect(claims.claim(claimOf("k"))).rejects.toMatchObject({ code: "EEXIST" });

    await rm(join(directory, "claims"));
    expect(await claims.claim(claimOf("k"))).toBeUndefined();
    expect(await claims.getClaim("k")).toMatchObject({ runId: HOLDER });
  });
});
