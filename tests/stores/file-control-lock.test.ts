import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FileReceiptStore } from "enact-sdk";

// A thermal cutout's read-modify-write runs under `cutout/<sha256(key)>.lock`, created exclusively;
// a waiter pauses between tries. Those pauses are handed to `pause` below instead of being slept,
// so a test sees each one and decides what the lock's holder does meanwhile.
const waiting = vi.hoisted(() => ({ pause: (_ms: number): void | Promise<void> => undefined }));
vi.mock("node:timers/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:timers/promises")>();
  return { ...actual, setTimeout: async (ms: number) => waiting.pause(ms) };
});

const KEY = "billing:refund";
const STALE_LOCK_MS = 10_000;
const STATE = { times: [1_000], blockedUntil: 0 };

let directory: string;
let store: FileReceiptStore;
let lockPath: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "enact-cutout-lock-"));
  store = new FileReceiptStore(directory);
  const name = createHash("sha256").update(KEY).digest("hex");
  lockPath = join(directory, "cutout", `${name}.lock`);
  await mkdir(join(directory, "cutout"));
});
afterEach(() => {
  waiting.pause = () => undefined;
  vi.useRealTimers();
});

/** Pauses are recorded; past `limit` of them the waiter is stopped with an error. */
function recordPauses(limit: number, onPause: (count: number) => void | Promise<void> = () => undefined): number[] {
  const pauses: number[] = [];
  waiting.pause = async (ms) => {
    pauses.push(ms);
    if (pauses.length > limit) throw new Error(`still waiting for the lock after ${limit} pauses`);
    await onPause(pauses.length);
  };
  return pauses;
}

describe("the cutout lock", () => {
  it("is waited for while another holds it, backing off 1, 2, 4, 8, 16 then 20 ms", async () => {
    await writeFile(lockPath, "held by another process");
    let released = false;
    const pauses = recordPauses(50, async (count) => {
      if (count === 8) {
        released = true;
        await unlink(lockPath);
      }
    });
    const ranAfterRelease = await store.updateCutout(KEY, () => [STATE, released]);
    expect(ranAfterRelease).toBe(true);
    expect(pauses).toEqual([1, 2, 4, 8, 16, 20, 20, 20]);
  });

  it(`is broken when its file is older than ${STALE_LOCK_MS} ms: its holder died holding it`, async () => {
    await writeFile(lockPath, "held by a process that died");
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockPath, minuteAgo, minuteAgo);
    const pauses = recordPauses(50);
    expect(await store.updateCutout(KEY, () => [STATE, "updated"])).toBe("updated");
    expect(pauses).toEqual([1]);
  });

  it(`is still its holder's at exactly ${STALE_LOCK_MS} ms old, and broken 1 ms later`, async () => {
    const takenAt = new Date("2026-12-01T00:00:00.000Z");
    await writeFile(lockPath, "held");
    await utimes(lockPath, takenAt, takenAt);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(takenAt.getTime() + STALE_LOCK_MS);
    let released = false;
    recordPauses(50, async (count) => {
      if (count === 3) {
        released = true;
        await unlink(lockPath);
      }
    });
    expect(await store.updateCutout(KEY, () => [STATE, released])).toBe(true);

    await writeFile(lockPath, "held");
    await utimes(lockPath, takenAt, takenAt);
    vi.setSystemTime(takenAt.getTime() + STALE_LOCK_MS + 1);
    const pauses = recordPauses(50);
    expect(await store.updateCutout(KEY, () => [STATE, "broken"])).toBe("broken");
    expect(pauses).toEqual([1]);
  });

  it("is not removed on release when another process took it meanwhile (after breaking it as stale)", async () => {
    await store.updateCutout(KEY, () => {
      writeFileSync(lockPath, "another process's lock");
      return [STATE, undefined];
    });
    expect(await readFile(lockPath, "utf8")).toBe("another process's lock");
  });

  it("fails the update when the lock cannot be created for another reason than being held", async () => {
    await writeFile(lockPath, "held");
    recordPauses(50, async (count) => {
      if (count === 1) {
        // The cutout directory is replaced by a file: creating the lock now fails with ENOTDIR.
        await rm(join(directory, "cutout"), { recursive: true });
        await writeFile(join(directory, "cutout"), "not a directory");
      }
    });
    await expect(store.updateCutout(KEY, () => [STATE, undefined])).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
