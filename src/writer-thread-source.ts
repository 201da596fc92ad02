import { BELL, HEAD, RING_BYTES, SLEEPING, TAIL, WRAP } from "./writer-ring.js";

/**
 * What a receipt writer thread runs (see `writer-thread.ts`), as source text for
 * `new Worker(source, { eval: true })`: the thread then needs no file of its own to be found at
 * run time, whatever bundles or transpiles the SDK. Plain CommonJS, Node's built-in modules only.
 *
 * Files come in the shared ring (`writer-ring.ts`), or, when it has no room, as a batch on a
 * message port the thread reads when woken. For each, in order, the thread creates the temporary
 * file (its directory too, if missing), writes the text, closes it, hard-links it to its final
 * name (which fails if that name exists) and removes the temporary name; a file without a
 * temporary name is created under its final name directly (exclusively: that fails if it exists).
 * It answers with one message per batch, or per 8 files taken from the ring: an outcome per file,
 * null when created, else the error's own fields.
 */
export const WRITER_THREAD_SOURCE = `
"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");

function attempt(target, temporary, text) {
  try {
    create(target, temporary, text);
    return null;
  } catch (error) {
    return { code: error.code, syscall: error.syscall, path: error.path, message: String(error.message) };
  }
}

// The shared ring (see writer-ring.ts): records are read from TAIL up to HEAD, each file created,
// TAIL moved past them, and one message answers for every ANSWER_FILES of them and for the rest.
const HEAD = ${HEAD}, TAIL = ${TAIL}, BELL = ${BELL}, SLEEPING = ${SLEEPING}, WRAP = ${WRAP}, HEADER_BYTES = 16, RING_BYTES = ${RING_BYTES};
// Answered all at once, the first runs of a long hand-over waited for its last file; every 8 files,
// the event loop's thread goes on with them while this one creates the rest (one message per file
// cost it more than the rest of a run).
const ANSWER_FILES = 8;
const header = new Int32Array(workerData.ring, 0, HEADER_BYTES / 4);
const ints = new Int32Array(workerData.ring, HEADER_BYTES, RING_BYTES / 4);
const bytes = Buffer.from(workerData.ring, HEADER_BYTES, RING_BYTES);
let tail = Atomics.load(header, TAIL);

function drainRing() {
  const head = Atomics.load(header, HEAD);
  const answers = [];
  while (tail !== head) {
    const at = tail / 4;
    const id = ints[at];
    if (id === WRAP) {
      tail = 0;
      continue;
    }
    const pathBytes = ints[at + 1], temporaryBytes = ints[at + 2], textBytes = ints[at + 3];
    let offset = tail + 16;
    const target = bytes.toString("utf8", offset, (offset += pathBytes));
    const temporary = temporaryBytes < 0 ? null : bytes.toString("utf8", offset, (offset += temporaryBytes));
    // The text's bytes are written from the ring itself: TAIL moves past them only once all are done.
    const text = bytes.subarray(offset, (offset += textBytes));
    tail = (offset + 3) & ~3;
    answers.push(id, attempt(target, temporary, text));
    if (answers.length === 2 * ANSWER_FILES) answer(answers.splice(0));
  }
  answer(answers);
}

// The records up to tail are read and their files written: their room in the ring is free again.
function answer(answers) {
  Atomics.store(header, TAIL, tail);
  if (answers.length > 0) parentPort.postMessage({ ring: answers });
}

// Files too large for the ring come as batches on this port, read without the event loop.
function drainPort() {
  for (let received; (received = receiveMessageOnPort(workerData.port)) !== undefined; ) {
    const batch = received.message;
    parentPort.postMessage({ id: batch.id, outcomes: batch.files.map(([target, temporary, text]) => attempt(target, temporary, text)) });
  }
}

// The thread only ever waits for the bell: termination and the process's exit interrupt the wait.
// SLEEPING tells the event loop's thread to notify; set after the bell was read, so a hand-over
// that came in between changed the bell and the wait returns at once.
for (;;) {
  const bell = Atomics.load(header, BELL);
  drainRing();
  drainPort();
  Atomics.store(header, SLEEPING, 1);
  Atomics.wait(header, BELL, bell);
  Atomics.store(header, SLEEPING, 0);
}

function create(target, temporary, text) {
  if (temporary === null) {
    const fd = openNew(target);
    try {
      writeAll(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  const fd = openNew(temporary);
  try {
    try {
      writeAll(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temporary, target);
  } finally {
    try {
      fs.unlinkSync(temporary);
    } catch {
      // Never created, or already gone: nothing to remove.
    }
  }
}

function writeAll(fd, text) {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

function openNew(temporary) {
  try {
    return fs.openSync(temporary, "wx");
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    fs.mkdirSync(path.dirname(temporary), { recursive: true });
    return fs.openSync(temporary, "wx");
  }
}
`;
