import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { walkJournal } from "../../src/journal/audit.js";
import { readJournalDirectory } from "../../src/journal/file-source.js";
import { findJournalEntries } from "../../src/journal/journal-lookup.js";
import { JournalKey } from "../../src/journal/key.js";
import { agentOn, UI_SECRET } from "../ui/ui-fixture.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function journaledStore(runs: number): Promise<{ dir: string; runIds: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "enact-lookup-"));
  dirs.push(dir);
  const agent = agentOn(dir);
  const runIds: string[] = [];
  for (let amount = 1; amount <= runs; amount += 1) {
    runIds.push((await agent.enact.run(agent.invoice(amount)))[1].runId);
    // Several segments: each flush seals the entries gathered so far.
    if (amount % 4 === 0) await agent.enact.flush();
  }
  await agent.enact.flush();
  return { dir, runIds };
}

describe("finding a page's journal entries without walking the journal", () => {
  it("finds the same authentic entries a walk finds, for the run ids asked and no others", async () => {
    const { dir, runIds } = await journaledStore(12);
    const key = JournalKey.fromSecret(UI_SECRET);
    const walked = walkJournal(key, await readJournalDirectory(dir));
    const wanted = new Set([runIds[0] as string, runIds[7] as string, runIds[11] as string]);
    const found = findJournalEntries(dir, key, wanted);
    expect([...found.keys()].sort()).toEqual([...wanted].sort());
    for (const runId of wanted) expect(found.get(runId)).toEqual(walked.byRunId.get(runId));
  });

  it("does not vouch with an entry whose MAC does not hold (an edited line)", async () => {
    const { dir, runIds } = await journaledStore(4);
    const segments = (await readdir(join(dir, "journal"))).filter((name) => name.endsWith(".jsonl"));
    const target = runIds[2] as string;
    for (const name of segments) {
      const path = join(dir, "journal", name);
      const text = await readFile(path, "utf8");
      // The entry now claims another signature for the receipt: the MAC no longer matches.
      if (text.includes(target)) await writeFile(path, text.replace(new RegExp(`("runId":"${target}","signature":")[0-9a-f]`), "$1Z"));
    }
    const found = findJournalEntries(dir, JournalKey.fromSecret(UI_SECRET), new Set([target, runIds[3] as string]));
    expect(found.has(target)).toBe(false);
    expect(found.has(runIds[3] as string)).toBe(true);
  });

  it("finds nothing under another key, and nothing where there is no journal", async () => {
    const { dir, runIds } = await journaledStore(2);
    expect(findJournalEntries(dir, JournalKey.fromSecret("another-secret-0123456789abcdef-0123456789"), new Set(runIds)).size).toBe(0);
    const empty = await mkdtemp(join(tmpdir(), "enact-lookup-"));
    dirs.push(empty);
    expect(findJournalEntries(empty, JournalKey.fromSecret(UI_SECRET), new Set(runIds)).size).toBe(0);
  });
});
