import { randomBytes } from "node:crypto";
import { sha256Hex } from "../sha256.js";
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { join } from "node:path";
import { parseCutoutState, type CutoutState } from "../approvals/cutout-window.js";
import { ReceiptExistsError } from "../errors.js";
import { writeNewFile } from "../receipt-file.js";
import { APPROVAL_STAGES, type ApprovalStage, type ApprovalStages } from "./receipt-store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STAGE_FILE = /^([0-9a-f-]{36})\.(request|decision|use)\.json$/;
// A cutout lock older than this belongs to a process that died holding it: it is broken.
const STALE_LOCK_MS = 10_000;

/**
 * Approval records, the kill switch and thermal-cutout counters of a `FileReceiptStore`:
 * - `<dir>/approvals/<id>.<stage>.json`, each created once with an exclusive hard link (as
 *   idempotency claims are), so one writer of a stage wins across processes, and fsynced;
 * - `<dir>/control/halt.json`, replaced atomically by rename;
 * - `<dir>/cutout/<sha256(key)>.json`, updated under `<sha256(key)>.lock`, an exclusively
 *   created file that serializes the read-modify-write across processes.
 */
export class FileControl {
  readonly #approvals: string;
  readonly #control: string;
  readonly #cutout: string;

  constructor(directory: string) {
    this.#approvals = join(directory, "approvals");
    this.#control = join(directory, "control");
    this.#cutout = join(directory, "cutout");
  }

  async putApprovalStage(id: string, stage: ApprovalStage, json: string): Promise<boolean> {
    assertId(id);
    await mkdir(this.#approvals, { recursive: true });
    try {
      // Durable: a use record lost to a power cut would make a used approval usable again.
      await writeNewFile(join(this.#approvals, `${id}.${stage}.json`), json, { durable: true });
      return true;
    } catch (error) {
      if (error instanceof ReceiptExistsError) return false;
      throw error;
    }
  }

  async getApprovalStages(id: string): Promise<ApprovalStages> {
    if (!UUID.test(id)) return {};
    const stages: ApprovalStages = {};
    for (const stage of APPROVAL_STAGES) {
      const text = await readIfExists(join(this.#approvals, `${id}.${stage}.json`));
      if (text !== undefined) stages[stage] = text;
    }
    return stages;
  }

  async listApprovals(): Promise<ApprovalStages[]> {
    const names = await readdir(this.#approvals).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      throw error;
    });
    const ids = new Set<string>();
    for (const name of names) {
      const match = STAGE_FILE.exec(name);
      if (match?.[2] === "request" && match[1] !== undefined) ids.add(match[1]);
    }
    return Promise.all([...ids].sort().map((id) => this.getApprovalStages(id)));
  }

  async setHalt(json: string): Promise<void> {
    await mkdir(this.#control, { recursive: true });
    await replace(join(this.#control, "halt.json"), json);
  }

  getHalt(): Promise<string | undefined> {
    return readIfExists(join(this.#control, "halt.json"));
  }

  async updateCutout<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T> {
    await mkdir(this.#cutout, { recursive: true });
    const name = sha256Hex(key);
    const path = join(this.#cutout, `${name}.json`);
    const release = await lock(join(this.#cutout, `${name}.lock`));
    try {
      const text = await readIfExists(path);
      const [next, result] = update(text === undefined ? undefined : parseCutoutState(text));
      await replace(path, JSON.stringify(next));
      return result;
    } finally {
      await release();
    }
  }
}

function assertId(id: string): void {
  if (!UUID.test(id)) throw new TypeError(`An approval id must be a lowercase UUID, got ${JSON.stringify(id)}`);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

// Readers see the old text or the new one, never a half-written file.
async function replace(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, text, { flag: "wx" });
  await rename(temporary, path);
}

/** Takes the lock file at `path` (exclusive create), waiting for its holder; resolves with its release. */
async function lock(path: string): Promise<() => Promise<void>> {
  const token = randomBytes(8).toString("hex");
  for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(token);
      await handle.close();
      return async () => {
        // Only our own lock: a stale-broken one may have been taken by another process since.
        if ((await readIfExists(path)) === token) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > STALE_LOCK_MS) await unlink(path).catch(() => undefined);
    await delay(pause);
  }
}
