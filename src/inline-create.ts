import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * `SLOW_CREATES_IN_A_ROW` creates, each slower than `SLOW_CREATE_MS`, send files to the writer
 * threads for `SLOW_DISK_PAUSE_MS`: a disk that has become slow (ext4 after a mass delete, a
 * loaded volume) should hold up the runs waiting for their receipts, not the whole event loop.
 * One slow create alone says little: the thread descheduled during the call, a page fault, took
 * 2–6 ms a few times a minute even on tmpfs, and each one cost a process running one run at a
 * time a second at a third of its rate.
 */
const SLOW_CREATE_MS = 2;
const SLOW_CREATES_IN_A_ROW = 2;
const SLOW_DISK_PAUSE_MS = 1_000;

// Direct creates asked for in this turn of the event loop, and in the one before.
let turnCreates = 0;
let lastTurnCreates = 0;
let inlineAfter = 0;
let slowInARow = 0;

/**
 * Whether the file a receipt write asks for now may be created on the event loop's own thread:
 * the first of a turn of the event loop may, when the turn before asked for one file at most
 * (runs one at a time, not a wave of concurrent ones) and no recent inline create was slow.
 * Concurrent runs' files go to the writer threads, where they overlap their I/O and leave the
 * event loop to the runs.
 *
 * Why: a run that waits for its receipt pays two thread wake-ups for a writer thread (there and
 * back), which on small VMs cost as much as creating the file. One create per turn blocks the
 * event loop for about what one file costs (the write-ahead log's append before it already
 * blocks on the same disk), and a caller running one run at a time gets every file that way.
 */
export function takeInlineTurn(): boolean {
  turnCreates += 1;
  if (turnCreates === 1) setImmediate(endTurn);
  return turnCreates === 1 && lastTurnCreates <= 1 && performance.now() >= inlineAfter;
}

function endTurn(): void {
  lastTurnCreates = turnCreates;
  turnCreates = 0;
}

/**
 * Creates `path` exclusively with `text` on this thread, with the writer thread's system calls
 * (`open` wx, `write`, `close`; the directory created if missing), then yields to the event
 * loop's next turn, so that the caller's next file is again the first of a turn. Throws Node's
 * error for the call that failed (EEXIST from `open` if the path exists).
 */
export async function createInline(path: string, text: string): Promise<void> {
  const started = performance.now();
  try {
    createNow(path, text);
  } finally {
    noteInlineCreate(started, performance.now());
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Records how long an inline create took (performance.now() times): slow ones in a row pause inline creates. */
export function noteInlineCreate(started: number, finished: number): void {
  slowInARow = finished - started > SLOW_CREATE_MS ? slowInARow + 1 : 0;
  if (slowInARow < SLOW_CREATES_IN_A_ROW) return;
  slowInARow = 0;
  inlineAfter = finished + SLOW_DISK_PAUSE_MS;
}

function createNow(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, "wx");
  }
  try {
    const bytes = Buffer.from(text, "utf8");
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
}
