import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WriteAheadLog } from "../../src/journal/write-ahead-log.js";

const SIGNATURE = "a".repeat(64);
// A receipt line past the log's rotation size (8 MiB): the next seal may remove the log.
const LARGE = JSON.stringify({ note: "x".repeat(8 * 1024 * 1024) });

async function logIn(): Promise<WriteAheadLog> {
  return new WriteAheadLog(await mkdtemp(join(tmpdir(), "enact-wal-rotation-")));
}

describe("the write-ahead log's rotation", () => {
  it("removes a large log once every receipt it holds is chained, and begins another on the next append", async () => {
    const log = await logIn();
    log.append("r1", SIGNATURE, LARGE);
    const first = log.path as string;
    log.sealed(["r1"]);
    expect(existsSync(first)).toBe(false);
    log.append("r2", SIGNATURE, "{}");
    expect(log.path).not.toBe(first);
    expect(existsSync(log.path as string)).toBe(true);
  });

  it("keeps a large log while a receipt it holds is not chained", async () => {
    const log = await logIn();
    log.append("r1", SIGNATURE, LARGE);
    log.append("r2", SIGNATURE, "{}");
    log.sealed(["r1"]);
    expect(existsSync(log.path as string)).toBe(true);
  });

  it("keeps the line of a run id's first write when a second write of that run id is abandoned before the first is chained", async () => {
    // Two concurrent writes of one run id: the second finds the name taken and abandons its own
    // line; the first's entry is not chained yet, so its line still vouches for its receipt.
    const log = await logIn();
    log.append("r1", SIGNATURE, LARGE);
    log.append("r1", SIGNATURE, LARGE);
    log.abandon("r1", SIGNATURE, "another receipt holds its name");
    log.sealed(["r2"]);
    expect(existsSync(log.path as string)).toBe(true);
    log.sealed(["r1"]);
    expect(existsSync(log.path as string)).toBe(false);
  });
});
