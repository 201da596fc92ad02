import { existsSync, readdirSync } from "node:fs";
import { access, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeReceipt } from "enact-sdk";
import { RING_BYTES } from "../src/writer-ring.js";
import { WRITER_THREAD_SOURCE } from "../src/writer-thread-source.js";
import { WriterThreads, WriterThreadStoppedError } from "../src/writer-thread.js";
import { makeReceipt, ROOT, runNode, TSX } from "./support/cli.js";
import { namesLeft, TEMPORARY_DIRECTORY } from "./support/temporary.js";

const tempRoot = (): Promise<string> => mkdtemp(join(tmpdir(), "enact-writer-"));

// A thread that exits, as a crashing one would, when it comes to a file named "crash…".
const CRASHING_SOURCE = `
const patched = require("node:fs");
const openSync = patched.openSync;
patched.openSync = (file, ...rest) => (String(file).includes("crash") ? process.exit(7) : openSync(file, ...rest));
${WRITER_THREAD_SOURCE}`;

// A thread that, coming to a file named "hold…", waits until a file named "release" is beside it.
const HOLDING_SOURCE = `
const holding = require("node:fs");
const released = (file) => holding.existsSync(require("node:path").join(require("node:path").dirname(file), "release"));
const pause = new Int32Array(new SharedArrayBuffer(4));
const openUnheld = holding.openSync;
holding.openSync = (file, ...rest) => {
  while (String(file).includes("hold") && !released(String(file))) Atomics.wait(pause, 0, 0, 1);
  return openUnheld(file, ...rest);
};
${WRITER_THREAD_SOURCE}`;

// A thread that exits right after it answers for a file named "exit-after…": its answer is sent.
const ANSWER_THEN_EXIT_SOURCE = `
const answering = require("node:fs");
const { parentPort: answerPort } = require("node:worker_threads");
let exitAfterAnswer = false;
const openFirst = answering.openSync;
answering.openSync = (file, ...rest) => {
  if (String(file).includes("exit-after")) exitAfterAnswer = true;
  return openFirst(file, ...rest);
};
const postFirst = answerPort.postMessage.bind(answerPort);
answerPort.postMessage = (message) => {
  postFirst(message);
  if (exitAfterAnswer) process.exit(7);
};
${WRITER_THREAD_SOURCE}`;

function fileIn(directory: string, name: string, text: string): { path: string; temporaryPath: string; text: string } {
  return { path: join(directory, name), temporaryPath: join(directory, TEMPORARY_DIRECTORY, `${name}.tmp`), text };
}

describe("the receipt writer threads", () => {
  it("create each file of a batch under its name, through its temporary name, which they remove", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 2 });
    const names = Array.from({ length: 40 }, (_, n) => `f${n}.json`);
    await Promise.all(names.map((name) => threads.create(fileIn(directory, name, `text of ${name}`))));
    expect(await namesLeft(directory)).toEqual([...names].sort());
    expect(await readFile(join(directory, "f7.json"), "utf8")).toBe("text of f7.json");
    await threads.stop();
  });

  it("answer for each file of a batch handed over together, a taken name failing only its own file", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 2 });
    await writeFile(join(directory, "taken.json"), "already here");
    const names = ["a.json", "taken.json", "b.json", "c.json"];
    const outcomes = await new Promise<Array<Error | undefined>>((resolve) => {
      const settled: Array<Error | undefined> = [];
      let left = names.length;
      threads.createAll(
        names.map((name) => ({ path: join(directory, name), temporaryPath: null, text: `text of ${name}` })),
        (index, failure) => {
          settled[index] = failure;
          if (--left === 0) resolve(settled);
        },
      );
    });
    expect(outcomes.map((failure) => (failure as NodeJS.ErrnoException | undefined)?.code)).toEqual([undefined, "EEXIST", undefined, undefined]);
    expect(await readFile(join(directory, "taken.json"), "utf8")).toBe("already here");
    expect(await readFile(join(directory, "c.json"), "utf8")).toBe("text of c.json");
    await threads.stop();
  });

  it("answer for the first eight files of a hand-over while a ninth after them is still being created", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1, source: HOLDING_SOURCE });
    const names = [...Array.from({ length: 8 }, (_, n) => `f${n}.json`), "hold.json"];
    let settled = 0;
    let firstEight!: () => void;
    const answered = new Promise<void>((resolve) => (firstEight = resolve));
    let last!: () => void;
    const all = new Promise<void>((resolve) => (last = resolve));
    threads.createAll(
      names.map((name) => ({ path: join(directory, name), temporaryPath: null, text: name })),
      () => {
        settled += 1;
        if (settled === 8) firstEight();
        if (settled === names.length) last();
      },
    );
    // Answered all together, these eight would wait for hold.json, which waits for release.
    await answered;
    expect(existsSync(join(directory, "hold.json"))).toBe(false);
    await writeFile(join(directory, "release"), "");
    await all;
    expect(await readFile(join(directory, "hold.json"), "utf8")).toBe("hold.json");
    await threads.stop();
  });

  it("hand files over through the shared ring past its end and around again, each created once", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1 });
    // 3,000 files of ~1 KiB, 100 at a time: three times the ring's size, so records wrap around it.
    const filler = "x".repeat(1_000);
    for (let wave = 0; wave < 30; wave += 1) {
      const names = Array.from({ length: 100 }, (_, n) => `w${wave}-${n}.json`);
      await Promise.all(names.map((name) => threads.create({ path: join(directory, name), temporaryPath: null, text: `${name}:${filler}` })));
    }
    const names = await readdir(directory);
    expect(names).toHaveLength(3_000);
    expect(await readFile(join(directory, "w29-99.json"), "utf8")).toBe(`w29-99.json:${filler}`);
    await threads.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("take files handed over while asleep and while busy alike, none left waiting for a wake-up", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1 });
    // Alone (the thread asleep, so it must be woken), then in bursts (handed over while it works,
    // so it finds them when it reads the bell again before sleeping): a lost wake-up hangs here.
    for (let round = 0; round < 100; round += 1) {
      await threads.create({ path: join(directory, `alone-${round}.json`), temporaryPath: null, text: "alone" });
      await Promise.all(
        Array.from({ length: 10 }, (_, n) => threads.create({ path: join(directory, `burst-${round}-${n}.json`), temporaryPath: null, text: "burst" })),
      );
    }
    expect(await readdir(directory)).toHaveLength(1_100);
    await threads.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("hand a file larger than the ring over as a message, with files beside it through the ring", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1 });
    const large = "é".repeat(RING_BYTES);
    await Promise.all([
      threads.create({ path: join(directory, "small-1.json"), temporaryPath: null, text: "one" }),
      threads.create({ path: join(directory, "large.json"), temporaryPath: null, text: large }),
      threads.create({ path: join(directory, "small-2.json"), temporaryPath: null, text: "two" }),
    ]);
    expect(await readFile(join(directory, "large.json"), "utf8")).toBe(large);
    expect(await readFile(join(directory, "small-2.json"), "utf8")).toBe("two");
    await threads.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("fail a file with the system call's own error, code and syscall included", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1 });
    await writeFile(join(directory, "taken.json"), "first");
    await expect(threads.create(fileIn(directory, "taken.json", "second"))).rejects.toMatchObject({ code: "EEXIST", syscall: "link" });
    expect(await readFile(join(directory, "taken.json"), "utf8")).toBe("first");
    expect(await namesLeft(directory)).toEqual(["taken.json"]);
    await threads.stop();
  });

  it("fail every file a thread had not answered for when it stops, and start a new thread for the next", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1, source: CRASHING_SOURCE });
    await threads.create(fileIn(directory, "before.json", "before"));
    const lost = [threads.create(fileIn(directory, "crash.json", "crash")), threads.create(fileIn(directory, "beside.json", "beside"))];
    for (const outcome of await Promise.allSettled(lost)) {
      expect(outcome).toMatchObject({ status: "rejected", reason: expect.any(WriterThreadStoppedError) });
    }
    await expect(lost[0]).rejects.toThrow(/stopped before it confirmed .*crash\.json \(exit code 7\)/);
    await threads.create(fileIn(directory, "after.json", "after"));
    expect(await readFile(join(directory, "after.json"), "utf8")).toBe("after");
    await threads.stop();
  });

  // Linux: the process's threads are counted in /proc.
  it.runIf(existsSync("/proc/self/task"))("settle a file the thread answered for just before it stopped as created, not as lost", async () => {
    const directory = await tempRoot();
    const threads = new WriterThreads({ threads: 1, source: ANSWER_THEN_EXIT_SOURCE });
    const created = threads.create(fileIn(directory, "exit-after.json", "answered"));
    // This thread blocked until the writer thread has answered and exited (one thread fewer in the
    // process): the answer and the exit then reach the event loop in the same turn.
    const running = (): number => readdirSync("/proc/self/task").length;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let most = running();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; Atomics.wait(pause, 0, 0, 1)) {
      most = Math.max(most, running());
      if (existsSync(join(directory, "exit-after.json")) && running() < most) break;
    }
    await expect(created).resolves.toBeUndefined();
    expect(await readFile(join(directory, "exit-after.json"), "utf8")).toBe("answered");
    await threads.stop();
  });

  it("report a directory that cannot be created as the system call's error (a file in its way)", async () => {
    const root = await tempRoot();
    await writeFile(join(root, "blocker"), "");
    await expect(writeReceipt(makeReceipt(), join(root, "blocker", "receipts"))).rejects.toMatchObject({ code: "ENOTDIR" });
  });

  it("keep a process alive until a write it started and never awaited is done", async () => {
    const directory = await tempRoot();
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/unawaited-write.ts"), directory]);
    expect(result.code).toBe(0);
    const runId = result.stdout.trim();
    await access(join(directory, `${runId}.json`));
    expect(await namesLeft(directory)).toContain(`${runId}.json`);
  });

  it.each(["natural", "exit"])("let a process whose writes are done end (%s), leaving no temporary file", async (ending) => {
    const root = await tempRoot();
    const count = 3;
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/write-in-directories.ts"), root, String(count), ending]);
    expect([result.code, result.stdout]).toEqual([0, "written\n"]);
    const directories = await readdir(root);
    expect(directories).toHaveLength(count);
    for (const directory of directories) {
      expect(await namesLeft(join(root, directory))).toEqual([expect.stringMatching(/^[0-9a-f-]{36}\.json$/)]);
    }
  });

  // Node's permission model refuses worker threads unless --allow-worker is given. The child runs
  // the built package (tsx itself needs a worker thread); `npm test` builds first.
  it("give way to the threadpool where worker threads are refused", async () => {
    if (!existsSync(join(ROOT, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
    const directory = await tempRoot();
    const script = `
      import * as sdk from "enact-sdk";
      const receipt = () => sdk.signReceipt(sdk.buildReceipt({ workflow: "w", actorEmail: "a@b.com", payload: {}, policyResults: [], decision: "PASS" }), "s".repeat(32));
      const receipts = Array.from({ length: 5 }, receipt);
      await Promise.all(receipts.map((r) => sdk.writeReceipt(r, process.argv[1])));
      const refused = await sdk.writeReceipt(receipts[0], process.argv[1]).catch((error) => error.name);
      console.log(JSON.stringify({ refused, runIds: receipts.map((r) => r.runId) }));`;
    const permission = ["--experimental-permission", "--allow-fs-read=*", "--allow-fs-write=*", "--no-warnings"];
    const result = await runNode([...permission, "--input-type=module", "-e", script, directory]);
    expect(result.code).toBe(0);
    const { refused, runIds } = JSON.parse(result.stdout) as { refused: string; runIds: string[] };
    expect(refused).toBe("ReceiptExistsError");
    expect(await namesLeft(directory)).toEqual(runIds.map((runId) => `${runId}.json`).sort());
  });
});
