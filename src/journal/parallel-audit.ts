import { availableParallelism, cpus, loadavg } from "node:os";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { ReceiptSigner } from "../receipt.js";
import { ReceiptAuditor, walkJournal, type AuditReport } from "./audit.js";
import { assertDirectory, listReceiptFiles, readJournalDirectory, readWriteAheadIndex, readReceiptAt, receiptFilePaths, type AuditOptions, type ProgressListener } from "./file-source.js";
import { JournalKey } from "./key.js";
import type { ExaminedBatch } from "./receipt-worker.js";
import { COUNTERS, RECEIPT_WORKER } from "./worker-data.js";

/**
 * Below this many receipt files one thread is faster: a worker thread takes tens of milliseconds
 * to start, about what it takes to check a thousand receipts.
 */
export const PARALLEL_THRESHOLD = 2_000;

/**
 * Receipts per batch, the unit threads claim: a few milliseconds of work, so the threads finish
 * within about that of each other, while messages stay few.
 */
const BATCH_SIZE = 128;

/** Batches the main thread examines or records between two turns of the event loop (worker errors, the progress bar). */
const BATCHES_PER_TURN = 8;

/** How long the main thread waits for a worker's batch before it looks at the workers again, ms. */
const WAIT_MS = 100;

/** Options of `auditReceiptDirectoryInParallel`. */
export interface ParallelAuditOptions extends AuditOptions {
  /**
   * The module each worker thread runs. It must call `serveReceiptExaminations(workerData)` when
   * its `workerData` passes `isReceiptWorkerData` (the CLI's entry point does).
   */
  workerUrl: URL;
  /**
   * Threads that read and examine receipts, the main thread included (1: no worker threads).
   * Default: on stores of `PARALLEL_THRESHOLD` receipts or more, one per idle CPU (see `threadsFor`), else 1.
   */
  threads?: number;
  /**
   * Whether the main thread examines receipts too, between recording the workers' (default true).
   * False leaves every examination to the worker threads, when there are any: the main thread then
   * only checks their results against the journal, and an audit that completes shows that the
   * workers ran.
   */
  examineInMainThread?: boolean;
}

/**
 * `auditReceiptDirectory`, with the receipts read, parsed and their signatures checked by several
 * threads: worker threads and the main thread claim batches of receipt files from one shared
 * counter, and the main thread checks each examined receipt against the journal, which it reads
 * and checks itself while the workers start. The report is the same as `auditReceiptDirectory`'s:
 * the same checks, made by the same code (`examineReceipt`, `ReceiptAuditor`), in whatever order
 * the threads finish, and the report does not depend on that order.
 *
 * A worker that fails or stops fails the audit (it is never silently skipped).
 *
 * @example
 * const report = await auditReceiptDirectoryInParallel("receipts", secret, { workerUrl: new URL(import.meta.url) });
 */
export async function auditReceiptDirectoryInParallel(directory: string, secret: string, options: ParallelAuditOptions): Promise<AuditReport> {
  const machine = sampleMachine();
  await assertDirectory(directory);
  // The journal is read before the receipts are listed, as auditReceiptDirectory does: a receipt
  // written meanwhile is then reported as unjournaled, never its journal entry as missing a receipt.
  const rawJournal = await readJournalDirectory(directory);
  const runIds = await listReceiptFiles(directory);
  // One worker per extra thread, and none for what the main thread does in a few batches anyway.
  const threads = threadsFor(runIds.length, options.threads, machine());
  const workers = Math.max(0, Math.min(threads - 1, Math.floor(runIds.length / BATCH_SIZE) - 1));
  const examiners = new Examiners(options.workerUrl, { directory, secret }, workers, runIds, workers === 0 || options.examineInMainThread !== false);
  try {
    // While the workers start and take their first batches: check the journal.
    const journal = walkJournal(JournalKey.fromSecret(secret), rawJournal, options.anchor);
    const auditor = new ReceiptAuditor(new ReceiptSigner(secret), journal, readWriteAheadIndex(directory));
    await examiners.examine(directory, auditor, options.onProgress);
    return auditor.finish();
  } finally {
    await examiners.close();
  }
}

/** The machine as `threadsFor` sees it: CPUs, and how many of them other processes keep busy. */
export interface MachineLoad {
  cpus: number;
  load: number;
}

/**
 * Starts measuring how busy the machine is; the returned function gives the load since then.
 * The load is the CPU time other processes used in that window, in CPUs: all CPUs' busy time
 * (the kernel's per-CPU counters) less this process's own. A window of tens of milliseconds says
 * what is running now, where the one-minute load average still counts what ran before (such as
 * the previous `verify`). The counters tick every 10 ms or so, so the figure is rough.
 */
function sampleMachine(): () => MachineLoad {
  const before = cpuTimes();
  const ownBefore = process.cpuUsage();
  return () => {
    const after = cpuTimes();
    const own = process.cpuUsage(ownBefore);
    const total = after.total - before.total;
    const machine = { cpus: availableParallelism(), load: 0 };
    if (total <= 0 || after.count === 0) return machine;
    // The times are summed over the CPUs: the window is the total over their count, in ms.
    const window = total / after.count;
    const busy = (total - (after.idle - before.idle)) / window;
    machine.load = Math.max(0, busy - (own.user + own.system) / 1000 / window);
    return machine;
  };
}

/** Milliseconds every CPU has spent idle, and in all, since boot. */
function cpuTimes(): { count: number; idle: number; total: number } {
  let idle = 0;
  let total = 0;
  const all = cpus();
  for (const { times } of all) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { count: all.length, idle, total };
}

/** The machine by its one-minute load average, for callers with no window of their own to measure. */
function loadAverage(): MachineLoad {
  // loadavg() is [0, 0, 0] where the system does not report it (Windows): every CPU counts as idle.
  return { cpus: availableParallelism(), load: loadavg()[0] ?? 0 };
}

/**
 * How many threads examine `receipts` receipts: `threads` when given; otherwise 1 below
 * PARALLEL_THRESHOLD, else the main thread plus one worker per CPU that is idle besides it
 * (as `make -l` does). A worker costs tens of milliseconds of CPU to start and warm up, which
 * pays only on a CPU of its own: on a busy machine the threads would just take turns.
 */
export function threadsFor(receipts: number, threads: number | undefined, machine: MachineLoad = loadAverage()): number {
  if (threads !== undefined) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    return threads;
  }
  if (receipts < PARALLEL_THRESHOLD) return 1;
  const idleBesidesMain = Math.round(machine.cpus - 1 - machine.load);
  return 1 + Math.max(0, Math.min(machine.cpus - 1, idleBesidesMain));
}

/**
 * The worker threads of one audit and the batches of receipts they share with the main thread.
 * Every thread claims the next batch from one shared counter (`Atomics.add`), so each receipt is
 * examined exactly once. The main thread takes the workers' results without waiting for the
 * event loop (`receiveMessageOnPort`), between batches of its own.
 */
class Examiners {
  readonly #workers: Worker[] = [];
  readonly #ports: MessagePort[] = [];
  readonly #runIds: readonly string[];
  readonly #counters = new Int32Array(new SharedArrayBuffer(COUNTERS.length * Int32Array.BYTES_PER_ELEMENT));
  readonly #examineHere: boolean;
  #running = 0;
  #failure: Error | undefined;
  #closing = false;

  constructor(url: URL, audit: { directory: string; secret: string }, count: number, runIds: readonly string[], examineHere: boolean) {
    this.#runIds = runIds;
    this.#examineHere = examineHere;
    for (let index = 0; index < count; index += 1) {
      const { port1, port2 } = new MessageChannel();
      const workerData = { kind: RECEIPT_WORKER, ...audit, runIds, batchSize: BATCH_SIZE, counters: this.#counters.buffer, port: port2 };
      const worker = new Worker(url, { workerData, transferList: [port2] });
      worker.on("error", (error) => this.#fail(error));
      worker.on("exit", (code) => {
        this.#running -= 1;
        if (code !== 0 && !this.#closing) this.#fail(new Error(`exited with code ${code}`));
      });
      this.#running += 1;
      this.#workers.push(worker);
      this.#ports.push(port1);
    }
  }

  /**
   * Examines every receipt, in worker threads and in this one, recording each examination with
   * `auditor` in this thread. Resolves when all are recorded.
   */
  async examine(directory: string, auditor: ReceiptAuditor, onProgress?: ProgressListener): Promise<void> {
    const total = this.#runIds.length;
    const pathOf = receiptFilePaths(directory);
    let done = 0;
    onProgress?.(0, total);
    for (let turn = 1; done < total; turn += 1) {
      if (this.#failure !== undefined) throw this.#failure;
      // Read the counter first: a batch posted after this shows in the counter, and does not get missed.
      const posted = Atomics.load(this.#counters, COUNTERS.posted);
      const examined = this.#receive();
      if (examined !== undefined) {
        done += this.#record(examined, pathOf, auditor);
      } else {
        const runIds = this.#examineHere ? this.#batch(Atomics.add(this.#counters, COUNTERS.nextBatch, 1)) : [];
        if (runIds.length > 0) {
          for (const runId of runIds) auditor.check(readReceiptAt(runId, pathOf(runId)));
          done += runIds.length;
        } else {
          // Every batch is claimed (or the workers claim them all): the workers hold the rest. A worker posts all it
          // took before it exits, so with none running and nothing received, nothing will come.
          if (this.#running === 0) throw this.#failure ?? new Error("A worker thread checking receipts stopped before sending every receipt it took");
          await waitForChange(this.#counters, COUNTERS.posted, posted, WAIT_MS);
        }
      }
      onProgress?.(done, total);
      if (turn % BATCHES_PER_TURN === 0) await yieldToEventLoop();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    for (const port of this.#ports) port.close();
  }

  #batch(index: number): readonly string[] {
    return this.#runIds.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE);
  }

  // A worker's next batch of examinations, if one has arrived.
  #receive(): ExaminedBatch | undefined {
    for (const port of this.#ports) {
      const received = receiveMessageOnPort(port);
      if (received !== undefined) return received.message as ExaminedBatch;
    }
    return undefined;
  }

  #record({ index, results }: ExaminedBatch, pathOf: (runId: string) => string, auditor: ReceiptAuditor): number {
    const runIds = this.#batch(index);
    for (let position = 0; position < results.length; position += 1) {
      const result = results[position] as ExaminedBatch["results"][number];
      const runId = runIds[position] as string;
      auditor.record(typeof result === "string" ? { runId, where: pathOf(runId), signed: true, signature: result } : result);
    }
    return results.length;
  }

  #fail(cause: unknown): void {
    this.#failure ??= new Error(`A worker thread checking receipts failed: ${String(cause)}`, { cause });
  }
}

// Atomics.waitAsync is ES2024, in Node since 16; the project's TypeScript library is ES2023.
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };

/** Resolves when `array[index]` is no longer `value` (or after `timeoutMs`), without blocking the thread. */
async function waitForChange(array: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const waiting = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(array, index, value, timeoutMs);
  if (waiting.async) await waiting.value;
}
