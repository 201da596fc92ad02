import type { FileToCreate } from "./writer-thread.js";

/**
 * Files on their way to a writer thread, in memory the two threads share. Posting a message to a
 * worker cost this thread about 25 µs per receipt on the VMs we measure on (serializing it and
 * waking the thread), as much as the rest of a run; writing the file's bytes here and storing one
 * index costs a few µs, and the thread is woken by `Atomics.notify` only.
 *
 * Layout: a 16-byte header of Int32 (`HEAD`: where this thread writes next; `TAIL`: where the
 * writer thread reads next; `BELL`: the wake-up counter; `SLEEPING`: whether the writer thread
 * waits on it), then `RING_BYTES` of records. A record, at a multiple of 4 bytes: Int32 id, path
 * bytes, temporary path bytes (-1: none), text bytes, then the three UTF-8 strings.
 * An id of `WRAP` says the records go on at offset 0. HEAD == TAIL means empty; a record never
 * fills the ring up to TAIL, so that stays unambiguous. Only this thread moves HEAD and only the
 * writer thread moves TAIL, each with `Atomics.store` after the bytes it covers are written or read.
 */
export const RING_BYTES = 1 << 20;
export const HEAD = 0;
export const TAIL = 1;
/** Bumped for each hand-over (ring or message): the writer thread sleeps on it with `Atomics.wait`. */
export const BELL = 2;
/** 1 while the writer thread sleeps (or is about to) on BELL: only then does a hand-over notify it. */
export const SLEEPING = 3;
export const WRAP = -1;
const HEADER_BYTES = 16;
const RECORD_HEADER_BYTES = 16;

export class FileRing {
  readonly buffer = new SharedArrayBuffer(HEADER_BYTES + RING_BYTES);
  readonly #header = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
  readonly #ints = new Int32Array(this.buffer, HEADER_BYTES, RING_BYTES / 4);
  readonly #bytes = Buffer.from(this.buffer, HEADER_BYTES, RING_BYTES);
  #head = 0;

  /** Writes a file's record; false when the ring has no room for it now (or ever: a very large file). */
  put(id: number, file: FileToCreate): boolean {
    const pathBytes = Buffer.byteLength(file.path, "utf8");
    const temporaryBytes = file.temporaryPath === null ? -1 : Buffer.byteLength(file.temporaryPath, "utf8");
    const textBytes = Buffer.byteLength(file.text, "utf8");
    const need = align(RECORD_HEADER_BYTES + pathBytes + Math.max(0, temporaryBytes) + textBytes);
    const tail = Atomics.load(this.#header, TAIL);
    let at = this.#head;
    if (at >= tail) {
      // Free: the end of the ring, and its start up to TAIL. The end always keeps 4 bytes for a WRAP.
      if (need > RING_BYTES - at - 4) {
        if (need > tail - 4) return false;
        this.#ints[at / 4] = WRAP;
        at = 0;
      }
    } else if (need > tail - at - 4) {
      return false;
    }
    const ints = at / 4;
    this.#ints[ints] = id;
    this.#ints[ints + 1] = pathBytes;
    this.#ints[ints + 2] = temporaryBytes;
    this.#ints[ints + 3] = textBytes;
    let offset = at + RECORD_HEADER_BYTES;
    offset += this.#bytes.write(file.path, offset, "utf8");
    if (file.temporaryPath !== null) offset += this.#bytes.write(file.temporaryPath, offset, "utf8");
    this.#bytes.write(file.text, offset, "utf8");
    this.#head = at + need;
    return true;
  }

  /** Hands the records written so far to the writer thread, waking it if it waits. */
  publish(): void {
    Atomics.store(this.#header, HEAD, this.#head);
    this.ring();
  }

  /**
   * Wakes the writer thread (for a message sent beside the ring, too). It sleeps in a blocking
   * `Atomics.wait`, whose wake-up costs this thread a few µs; an `Atomics.waitAsync` in the
   * thread's event loop cost about 20 µs per notify here, a message about 25. A thread still busy
   * with earlier files is not notified: it reads BELL again before it sleeps, and with many runs in
   * flight a notify per hand-over (which takes the engine's futex lock, contended by the waiting
   * thread) cost the event loop's thread about 5 µs per receipt.
   */
  ring(): void {
    // Sequentially consistent, as every Atomics operation: if SLEEPING still reads 0, the thread
    // has yet to set it, and its wait then finds BELL changed and returns at once.
    Atomics.add(this.#header, BELL, 1);
    if (Atomics.load(this.#header, SLEEPING) !== 0) Atomics.notify(this.#header, BELL);
  }
}

function align(bytes: number): number {
  return (bytes + 3) & ~3;
}
