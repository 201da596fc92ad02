import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { FileRing } from "./writer-ring.js";
import { WRITER_THREAD_SOURCE } from "./writer-thread-source.js";

/**
 * A file for a writer thread to create: `text` under `path`, by way of `temporaryPath`, or, with
 * none, created directly under `path` (for files whose completeness a journal records).
 */
export interface FileToCreate {
  readonly path: string;
  readonly temporaryPath: string | null;
  readonly text: string;
}

/** A writer thread stopped before it answered for a file: whether the file was created is unknown. */
export class WriterThreadStoppedError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `The receipt writer thread stopped before it confirmed ${path} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        "The file may or may not exist; writing it again fails with ReceiptExistsError if it does.",
      { cause },
    );
    this.name = "WriterThreadStoppedError";
  }
}

/** What a thread reports of a file it could not create: the fields of Node's own error. */
interface Failure {
  code?: string;
  syscall?: string;
  path?: string;
  message: string;
}

/** A message to a thread (see `writer-thread-source.ts`). */
interface Batch {
  id: number;
  files: Array<[path: string, temporaryPath: string | null, text: string]>;
}

/** A thread's answer to a batch: an outcome per file, in the batch's order. */
interface Done {
  id: number;
  outcomes: Array<Failure | null>;
}

/** A thread's answer to files taken from the ring: their ids and outcomes, alternating. */
interface RingDone {
  ring: Array<number | Failure | null>;
}

interface Waiter {
  readonly file: FileToCreate;
  readonly settle: (failure: Error | undefined) => void;
}

/**
 * Most writer threads a process starts. The second starts with the first batch of more than one
 * file, or that finds the first thread busy: with 64 runs in flight one thread was the
 * bottleneck, and two took 1.2–1.5× the runs per second (the machines this was measured on have
 * two cores). A process that writes one receipt at a time never pays for the second.
 */
export const WRITER_THREADS = 2;

/** Options of `WriterThreads`, for tests: how many threads at most, and what they run. */
export interface WriterThreadsOptions {
  threads?: number;
  source?: string;
}

let shared: WriterThreads | undefined;
let unavailable = false;

/**
 * The process's writer threads once one is ready to take files; undefined until then, and where
 * worker threads cannot be started (a permission model that refuses them, say): writes then go
 * without them. The first call starts a thread. Starting one costs tens of milliseconds of CPU,
 * which the writes of that time do not wait for.
 */
export function writerThreads(): WriterThreads | undefined {
  if (unavailable) return undefined;
  try {
    shared ??= new WriterThreads();
    return shared.ready() ? shared : undefined;
  } catch {
    unavailable = true;
    return undefined;
  }
}

/** Whether the process's writer threads have files they have not answered for yet. */
export function writerThreadsBusy(): boolean {
  return shared?.busy ?? false;
}

/**
 * Creates files atomically in worker threads that make the file system calls synchronously. Files
 * go to a thread through a shared ring (`writer-ring.ts`) and a futex wake-up; answers come back
 * one message per 8 files. For the event loop's thread a file then costs a few µs instead of a
 * threadpool request per system call: each request wakes a pool thread and then this one,
 * 10–25 µs of this thread's CPU apiece on the VMs we measured, which was most of a receipt write's
 * cost, and with many runs in flight capped their rate. Each file is handed to the
 * least-loaded thread that is ready as soon as it is asked for.
 *
 * Idle threads keep no process alive; a thread with files on their way does, so a process that
 * ends on its own never loses a write it has started.
 */
export class WriterThreads {
  readonly #source: string;
  readonly #most: number;
  readonly #threads: WriterThread[] = [];

  constructor(options: WriterThreadsOptions = {}) {
    this.#source = options.source ?? WRITER_THREAD_SOURCE;
    this.#most = options.threads ?? WRITER_THREADS;
  }

  /**
   * True once a thread is ready for files; starts one if none is running or starting, and starts
   * again those that stopped. Throws if no thread can be started here (worker threads refused).
   */
  ready(): boolean {
    if (this.#threads.length === 0) this.#threads.push(new WriterThread(this.#source));
    let ready = false;
    let running = false;
    let refusal: unknown;
    for (const thread of this.#threads) {
      try {
        thread.start();
        running = true;
      } catch (error) {
        refusal = error;
      }
      ready ||= thread.online;
    }
    if (!running) throw refusal;
    return ready;
  }

  /** True while a thread has files it has not answered for. */
  get busy(): boolean {
    return this.#threads.some((thread) => thread.load > 0);
  }

  /**
   * Creates `file.path` with `file.text`; rejects with Node's error for the system call that
   * failed (EEXIST from `link` if the path exists), or with `WriterThreadStoppedError`.
   */
  create(file: FileToCreate): Promise<void> {
    // Handed over at once: a run waiting for its receipt should not wait for the event loop's next turn too.
    return new Promise((resolve, reject) => this.createAll([file], (_index, failure) => (failure === undefined ? resolve() : reject(failure))));
  }

  /**
   * `create` for several files in one hand-over: a thread then takes them in one go and answers
   * for them in one message per 8 files. Handed over one by one, each file woke the thread, which
   * answered it alone: about one message per file with 64 runs in flight, each costing the event
   * loop's thread more than the rest of the hand-over. `settle` is called once per file, with its
   * index in `files` and, when it failed, the error `create` would reject with.
   */
  createAll(files: readonly FileToCreate[], settle: (index: number, failure: Error | undefined) => void): void {
    this.#send(files.map((file, index) => ({ file, settle: (failure) => settle(index, failure) })));
  }

  /** Stops the threads; files on their way fail with `WriterThreadStoppedError`. For tests. */
  async stop(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.stop()));
  }

  #send(queue: Waiter[]): void {
    let takers: WriterThread[];
    try {
      takers = this.#takers(queue.length);
    } catch (error) {
      // No thread could be started: these files were never sent, so nothing of them exists.
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of queue) waiter.settle(failure);
      return;
    }
    const share = Math.ceil(queue.length / takers.length);
    for (let start = 0; start < queue.length; start += share) {
      const idlest = takers.reduce((best, next) => (next.load < best.load ? next : best));
      idlest.send(queue.slice(start, start + share));
    }
  }

  /** The threads to share `files` files among, starting threads as needed; throws if none runs. */
  #takers(files: number): WriterThread[] {
    this.ready();
    // Threads still starting get no files while another can take them: their queue would wait.
    const online = this.#threads.filter((thread) => thread.online);
    const takers = online.length > 0 ? online : this.#threads.filter((thread) => thread.running);
    // Files to share, or every thread busy: concurrent writes, which a second thread speeds up.
    if (this.#threads.length < this.#most && (files > 1 || takers.every((thread) => thread.load > 0))) {
      const extra = new WriterThread(this.#source);
      try {
        extra.start();
        this.#threads.push(extra);
      } catch {
        // The threads running are enough to go on with.
      }
    }
    return takers;
  }
}

/** One worker thread and the batches it has not answered yet. */
class WriterThread {
  readonly #source: string;
  #worker: Worker | undefined;
  readonly #inFlight = new Map<number, Waiter[]>();
  // Files handed over through the shared ring, by record id (see writer-ring.ts).
  readonly #inRing = new Map<number, Waiter>();
  #ring = new FileRing();
  #port: MessagePort | undefined;
  #nextId = 0;
  /** Files sent and not yet answered for. */
  load = 0;
  /** Started and running its code: files sent now are written without waiting for a start. */
  online = false;

  /** Running or starting. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  constructor(source: string) {
    this.#source = source;
  }

  start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.#port = port1;
    const worker = new Worker(this.#source, { eval: true, name: "enact-sdk writer", workerData: { ring: this.#ring.buffer, port: port2 }, transferList: [port2] });
    worker.on("online", () => {
      if (this.#worker === worker) this.online = true;
    });
    worker.on("message", (done: Done | RingDone) => this.#answered(done));
    worker.on("error", (error) => this.#stopped(worker, error));
    worker.on("exit", (code) => this.#stopped(worker, new Error(`exit code ${code}`)));
    // After the listeners: adding a "message" listener refs the thread again.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  send(waiters: Waiter[]): void {
    const worker = this.start();
    if (this.load === 0) worker.ref();
    this.load += waiters.length;
    // Into the ring while it has room; what does not fit goes as a message.
    let ringed = 0;
    for (; ringed < waiters.length; ringed += 1) {
      const waiter = waiters[ringed] as Waiter;
      const id = this.#nextId++;
      if (!this.#ring.put(id, waiter.file)) break;
      this.#inRing.set(id, waiter);
    }
    if (ringed > 0) this.#ring.publish();
    if (ringed === waiters.length) return;
    const rest = waiters.slice(ringed);
    const id = this.#nextId++;
    this.#inFlight.set(id, rest);
    const batch: Batch = { id, files: rest.map(({ file }) => [file.path, file.temporaryPath, file.text]) };
    this.#port?.postMessage(batch);
    this.#ring.ring();
  }

  async stop(): Promise<void> {
    await this.#worker?.terminate();
  }

  // Answers read from the thread's port and not yet settled (see #answered).
  #answers: Array<Done | RingDone> = [];

  /**
   * Keeps an answer for the check phase of this turn of the event loop instead of settling its
   * files here. Node reads a port's messages up to 1,000 at a time without letting the event loop
   * turn, and settling a file resumes runs that hand new files over, whose answers then arrive
   * within the same read: with 64 runs in flight the files of the other thread, a turn's last
   * files (handed over in the check phase) and every timer waited for thousands of runs, 340 ms.
   */
  #answered(done: Done | RingDone): void {
    if (this.#answers.push(done) === 1) setImmediate(() => this.#settleAnswers());
  }

  #settleAnswers(): void {
    const answers = this.#answers;
    this.#answers = [];
    for (const done of answers) this.#answer(done);
  }

  #answer(done: Done | RingDone): void {
    if ("ring" in done) {
      for (let index = 0; index < done.ring.length; index += 2) {
        const id = done.ring[index] as number;
        const waiter = this.#inRing.get(id);
        if (waiter === undefined) continue;
        this.#inRing.delete(id);
        this.#settle(waiter, done.ring[index + 1] as Failure | null);
      }
      return;
    }
    const waiters = this.#inFlight.get(done.id);
    if (waiters === undefined) return;
    this.#inFlight.delete(done.id);
    waiters.forEach((waiter, index) => this.#settle(waiter, done.outcomes[index]));
  }

  #settle(waiter: Waiter, failure: Failure | null | undefined): void {
    this.load -= 1;
    if (this.load === 0) this.#worker?.unref();
    waiter.settle(failure === null || failure === undefined ? undefined : errorOf(failure));
  }

  /** The thread failed or exited: what it had not answered for fails, and the next batch starts a new one. */
  #stopped(worker: Worker, cause: Error): void {
    if (this.#worker !== worker) return;
    // What the thread answered before it stopped was done: settled as such, not as lost.
    this.#settleAnswers();
    this.#worker = undefined;
    this.online = false;
    const lost = [...this.#inFlight.values()].flat().concat([...this.#inRing.values()]);
    this.#inFlight.clear();
    this.#inRing.clear();
    // A new thread starts from an empty ring: what the stopped one left unread is answered above.
    this.#ring = new FileRing();
    this.#port?.close();
    this.#port = undefined;
    this.load = 0;
    for (const waiter of lost) waiter.settle(new WriterThreadStoppedError(waiter.file.path, cause));
  }
}

/** Node's own error for a failed system call, rebuilt from the fields the thread sent. */
function errorOf(failure: Failure): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(failure.message);
  if (failure.code !== undefined) error.code = failure.code;
  if (failure.syscall !== undefined) error.syscall = failure.syscall;
  if (failure.path !== undefined) error.path = failure.path;
  return error;
}
