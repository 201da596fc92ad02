import { writeSync } from "node:fs";

/**
 * Writes `line` (UTF-8) whole and returns its length in bytes. The string goes to `write(2)`
 * directly, without a Buffer made of it first (a sixth of an append's cost); the rest of a short
 * write, which a regular file gives only in rare cases (a signal, a file size limit), follows.
 */
export function writeLine(fd: number, line: string): number {
  const length = Buffer.byteLength(line, "utf8");
  const written = writeSync(fd, line, null, "utf8");
  if (written < length) {
    const bytes = Buffer.from(line, "utf8");
    for (let offset = written; offset < length; ) offset += writeSync(fd, bytes, offset, length - offset);
  }
  return length;
}
