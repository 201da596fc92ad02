import { randomBytes } from "node:crypto";
import { sha256Hex } from "../sha256.js";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ReceiptExistsError } from "../errors.js";
import { writeNewFile } from "../receipt-file.js";
import type { ClaimState, IdempotencyClaim } from "./receipt-store.js";

/**
 * Idempotency claims as files, `<directory>/<sha256(key)>.json`. A claim is created with an
 * exclusive hard link (see `writeNewFile`), so of any number of racing callers, in any number of
 * processes sharing the directory, exactly one creates it. Keys are hashed into file names so any
 * string is a safe key.
 */
export class FileClaims {
  readonly #directory: string;
  #ready: Promise<unknown> | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    await this.#ensureDirectory();
    try {
      await writeNewFile(this.#path(claim.key), JSON.stringify(claim));
      return undefined;
    } catch (error) {
      if (!(error instanceof ReceiptExistsError)) throw error;
      const existing = await this.get(claim.key);
      // Released between our attempt and our read: the key is free again, so try once more.
      return existing ?? this.claim(claim);
    }
  }

  async get(key: string): Promise<IdempotencyClaim | undefined> {
    try {
      return JSON.parse(await readFile(this.#path(key), "utf8")) as IdempotencyClaim;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async update(key: string, runId: string, state: ClaimState): Promise<void> {
    const existing = await this.get(key);
    if (existing?.runId !== runId) return;
    // Replace atomically: readers see the old claim or the new one, never a half-written file.
    const temporary = `${this.#path(key)}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, JSON.stringify({ ...existing, state, updatedAt: new Date().toISOString() }), { flag: "wx" });
    await rename(temporary, this.#path(key));
  }

  async release(key: string, runId: string): Promise<boolean> {
    const existing = await this.get(key);
    if (existing?.runId !== runId) return false;
    // Kept, under another name, as a record of the released run.
    await rename(this.#path(key), join(this.#directory, `${hashKey(key)}.released-${runId}.json`));
    return true;
  }

  #path(key: string): string {
    return join(this.#directory, `${hashKey(key)}.json`);
  }

  #ensureDirectory(): Promise<unknown> {
    this.#ready ??= mkdir(this.#directory, { recursive: true }).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

function hashKey(key: string): string {
  return sha256Hex(key);
}
