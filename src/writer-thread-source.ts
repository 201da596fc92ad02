/**
 * What a receipt writer thread runs (see `writer-thread.ts`), as source text for
 * `new Worker(source, { eval: true })`: the thread then needs no file of its own to be found at
 * run time, whatever bundles or transpiles the SDK. Plain CommonJS, Node's built-in modules only.
 *
 * Each message is a batch of files to create. For each, in order, the thread creates the
 * temporary file (its directory too, if missing), writes the text, closes it, hard-links it to its
 * final name (which fails if that name exists) and removes the temporary name; a file without a
 * temporary name is created under its final name directly (exclusively: that fails if it exists).
 * It answers each batch with one message: an outcome per file, null when created, else the
 * error's own fields.
 */
export const WRITER_THREAD_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");

parentPort.on("message", (batch) => {
  const outcomes = batch.files.map(([target, temporary, text]) => {
    try {
      create(target, temporary, text);
      return null;
    } catch (error) {
      return { code: error.code, syscall: error.syscall, path: error.path, message: String(error.message) };
    }
  });
  parentPort.postMessage({ id: batch.id, outcomes });
});

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
  const bytes = Buffer.from(text, "utf8");
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
