import { availableParallelism, loadavg } from "node:os";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { ReceiptSigner } from "../receipt.js";
import { ReceiptAuditor, walkJournal, type AuditReport, type ReceiptExamination } from "./audit.js";
import { assertDirectory, listReceiptFiles, readJournalDirectory, readReceiptFile, type AuditOptions, type ProgressListener } from "./file-source.js";
import { JournalKey } from "./key.js";
import { RECEIPT_WORKER, type ReceiptWorkerData } from "./worker-data.js";

/**
 * Below this many receipt files one thread is faster: a worker thread takes tens of milliseconds
 * to start, about what it takes to check a thousand receipts.
 */
export const PARALLEL_THRESHOLD = 2_000;

/**
 * Receipts the main thread examines between two looks at its messages: few, so that a worker's
 * finished batch is answered with the next one within a couple of milliseconds.
 */
const MAIN_BATCH = 64;

/**
 * A worker's batch: a share of what is left (guided self-scheduling), so batches are large while
 * much remains (few messages) and small at the end (threads finish together), within these bounds.
 */
const WORKER_BATCH = { min: 64, max: 512, shareOfRemaining: 1 / 8 } as const;

/** Batches a worker holds at once, so it has the next one while the main thread answers its last. */
const BATCHES_IN_FLIGHT = 2;

/** Options of `auditReceiptDirectoryInParallel`. */
export interface ParallelAuditOptions extends AuditOptions {
  /**
   * The module each worker thread runs. It must call `serveReceiptExaminations(parentPort, workerData)`
   * when its `workerData` passes `isReceiptWorkerData` (the CLI's entry point does).
   */
  workerUrl: URL;
  /**
   * Threads that read and examine receipts, the main thread included (1: no worker threads).
   * Default: on stores of `PARALLEL_THRESHOLD` receipts or more, one per idle CPU (see `threadsFor`), else 1.
   */
  threads?: number;
}

/**
 * `auditReceiptDirectory`, with the receipts read, parsed and their signatures checked by several
 * threads: worker threads and the main thread take batches of receipt files from one queue, and
 * the main thread checks each examined receipt against the journal, which it reads and checks
 * itself while the workers start. The report is the same as `auditReceiptDirectory`'s: the same
 * checks, made by the same code (`examineReceipt`, `ReceiptAuditor`), in whatever order the
 * threads finish, and the report does not depend on that order.
 *
 * A worker that fails or stops fails the audit (it is never silently skipped).
 *
 * @example
 * const report = await auditReceiptDirectoryInParallel("receipts", secret, { workerUrl: new URL(import.meta.url) });
 */
export async function auditReceiptDirectoryInParallel(directory: string, secret: string, options: ParallelAuditOptions): Promise<AuditReport> {
  await assertDirectory(directory);
  // The journal is read before the receipts are listed, as auditReceiptDirectory does: a receipt
  // written meanwhile is then reported as unjournaled, never its journal entry as missing a receipt.
  const rawJournal = await readJournalDirectory(directory);
  const runIds = await listReceiptFiles(directory);
  // One worker per extra thread, and none for what the main thread does in a few batches anyway.
  const workers = Math.max(0, Math.min(threadsFor(runIds.length, options.threads) - 1, Math.floor(runIds.length / WORKER_BATCH.min) - 1));
  const examiners = new Examiners(options.workerUrl, { kind: RECEIPT_WORKER, directory, secret }, workers, runIds);
  try {
    // While the workers start (no await before examine()): check the journal.
    const journal = walkJournal(JournalKey.fromSecret(secret), rawJournal, options.anchor);
    const auditor = new ReceiptAuditor(new ReceiptSigner(secret), journal);
    await examiners.examine(directory, auditor, options.onProgress);
    return auditor.finish();
  } finally {
    await examiners.close();
  }
}

/** The machine as `threadsFor` sees it: CPUs, and how many are busy (the one-minute load average). */
export interface MachineLoad {
  cpus: number;
  load: number;
}

function currentLoad(): MachineLoad {
  // loadavg() is [0, 0, 0] where the system does not report it (Windows): every CPU counts as idle.
  return { cpus: availableParallelism(), load: loadavg()[0] ?? 0 };
}

/**
 * How many threads examine `receipts` receipts: `threads` when given; otherwise 1 below
 * PARALLEL_THRESHOLD, else the main thread plus one worker per CPU that is idle besides it
 * (as `make -l` does). A worker costs tens of milliseconds of CPU to start and warm up, which
 * pays only on a CPU of its own: on a busy machine the threads would just take turns.
 */
export function threadsFor(receipts: number, threads: number | undefined, machine: MachineLoad = currentLoad()): number {
  if (threads !== undefined) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    return threads;
  }
  if (receipts < PARALLEL_THRESHOLD) return 1;
  const idleBesidesMain = Math.round(machine.cpus - 1 - machine.load);
  return 1 + Math.max(0, Math.min(machine.cpus - 1, idleBesidesMain));
}

/** The worker threads of one audit and the queue of receipts they share with the main thread. */
class Examiners {
  readonly #workers: Worker[] = [];
  readonly #runIds: readonly string[];
  /** The next run id to hand out. */
  #next = 0;
  /** Examinations sent back by workers, not yet recorded. */
  readonly #arrived: ReceiptExamination[][] = [];
  #failure: Error | undefined;
  #closing = false;
  #wake: (() => void) | undefined;

  constructor(url: URL, data: ReceiptWorkerData, count: number, runIds: readonly string[]) {
    this.#runIds = runIds;
    for (let index = 0; index < count; index += 1) {
      const worker = new Worker(url, { workerData: data });
      worker.on("message", (examined: ReceiptExamination[]) => {
        this.#arrived.push(examined);
        this.#hand(worker);
        this.#wake?.();
      });
      worker.on("error", (error) => this.#fail(error));
      worker.on("messageerror", (error) => this.#fail(error));
      worker.on("exit", (code) => {
        if (!this.#closing) this.#fail(new Error(`exited with code ${code}`));
      });
      this.#workers.push(worker);
      for (let held = 0; held < BATCHES_IN_FLIGHT; held += 1) this.#hand(worker);
    }
  }

  /**
   * Examines every receipt, in worker threads and in this one, recording each examination with
   * `auditor` in this thread. Resolves when all are recorded.
   */
  async examine(directory: string, auditor: ReceiptAuditor, onProgress?: ProgressListener): Promise<void> {
    const total = this.#runIds.length;
    let done = 0;
    onProgress?.(0, total);
    while (done < total) {
      if (this.#failure !== undefined) throw this.#failure;
      const examined = this.#arrived.shift();
      if (examined !== undefined) {
        for (const item of examined) auditor.record(item);
        done += examined.length;
      } else if (this.#next < total) {
        const batch = this.#take(MAIN_BATCH);
        for (const runId of batch) auditor.check(readReceiptFile(directory, runId));
        done += batch.length;
      } else {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      onProgress?.(done, total);
      // Let workers' results in (and their next batches out), and the progress bar draw.
      if (this.#arrived.length === 0) await yieldToEventLoop();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #take(size: number): readonly string[] {
    const batch = this.#runIds.slice(this.#next, this.#next + size);
    this.#next += batch.length;
    return batch;
  }

  #hand(worker: Worker): void {
    const remaining = this.#runIds.length - this.#next;
    if (remaining === 0) return;
    const size = Math.round(Math.min(WORKER_BATCH.max, Math.max(WORKER_BATCH.min, remaining * WORKER_BATCH.shareOfRemaining)));
    worker.postMessage(this.#take(size));
  }

  #fail(cause: unknown): void {
    this.#failure ??= new Error(`A worker thread checking receipts failed: ${String(cause)}`, { cause });
    this.#wake?.();
  }
}
