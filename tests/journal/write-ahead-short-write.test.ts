import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { WriteAheadLog } from "../../src/journal/write-ahead-log.js";

// A log line goes to write(2) as a string; a regular file writes it whole but in rare cases (a
// signal, a file size limit), where write(2) returns fewer bytes. The next string write is cut
// short here, after 10 bytes, and really writes those 10: the rest must follow, or the line is torn.
const cut = vi.hoisted(() => ({ next: false }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (typeof data === "string" && cut.next) {
      cut.next = false;
      return actual.writeSync(fd, Buffer.from(data, "utf8").subarray(0, 10));
    }
    return (actual.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
  }) as typeof actual.writeSync;
  return { ...actual, writeSync, default: { ...actual, writeSync } };
});

describe("the write-ahead log's append", () => {
  it("writes the rest of a line that write(2) cut short, so the line is whole", async () => {
    const log = new WriteAheadLog(await mkdtemp(join(tmpdir(), "enact-short-write-")));
    const receipt = JSON.stringify({ runId: "r1", note: "é".repeat(300) });
    cut.next = true;
    log.append("r1", "a".repeat(64), receipt);
    expect(cut.next).toBe(false);
    const lines = (await readFile(log.path as string, "utf8")).split("\n").filter((line) => line !== "");
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ runId: "r1", signature: "a".repeat(64), receipt: JSON.parse(receipt) }]);
  });
});
