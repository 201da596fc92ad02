import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readRegularFileSync } from "../read-regular-file.js";
import { openItem } from "./audit.js";
import type { JournalEntry } from "./entry.js";
import { JOURNAL_DIRECTORY, segmentsIn } from "./file-journal.js";
import type { JournalKey } from "./key.js";

/** An authentic journal entry and where it was read. */
export type LocatedJournalEntry = JournalEntry & { where: string };

/**
 * The authentic entries (MAC valid under `key`) naming `runIds`, read from the newest journal
 * segment back and stopping once every run id is found. Recent receipts sit in the last segments,
 * so a page of them costs a few segment reads instead of a walk of the whole journal.
 *
 * This answers "does an entry vouch for this receipt", as `walkJournal`'s `byRunId` does; whether
 * the chain itself is whole (no entry deleted, reordered or injected) is only known from a walk.
 * A run id named by several entries maps to the newest.
 */
export function findJournalEntries(directory: string, key: JournalKey, runIds: ReadonlySet<string>): Map<string, LocatedJournalEntry> {
  const found = new Map<string, LocatedJournalEntry>();
  if (runIds.size === 0) return found;
  const journalDirectory = join(directory, JOURNAL_DIRECTORY);
  let names: string[];
  try {
    names = readdirSync(journalDirectory);
  } catch {
    // No journal, or not a directory: no entry vouches for anything (a walk says why).
    return found;
  }
  for (const segment of segmentsIn(names).reverse()) {
    let text: string;
    try {
      text = readRegularFileSync(join(journalDirectory, segment.name));
    } catch {
      continue;
    }
    const lines = text.split("\n");
    for (let index = lines.length - 1; index >= 0; index -= 1) {
      const line = lines[index] as string;
      // Only lines naming a wanted run id are opened (a MAC each): a run id is 36 plain characters.
      const runId = runIdOf(line);
      if (runId === undefined || !runIds.has(runId) || found.has(runId)) continue;
      const entry = openItem(key, { where: `${JOURNAL_DIRECTORY}/${segment.name} line ${index + 1}`, line });
      if (entry !== undefined && typeof entry !== "string" && entry.runId === runId) {
        found.set(runId, { ...entry, where: `${JOURNAL_DIRECTORY}/${segment.name} line ${index + 1}` });
      }
    }
    if (found.size === runIds.size) break;
  }
  return found;
}

const RUN_ID_FIELD = '"runId":"';

/** The run id a journal line names, found without parsing it; undefined for a line that names none plainly. */
function runIdOf(line: string): string | undefined {
  const at = line.indexOf(RUN_ID_FIELD);
  if (at < 0) return undefined;
  const start = at + RUN_ID_FIELD.length;
  const end = line.indexOf('"', start);
  return end < 0 ? undefined : line.slice(start, end);
}
