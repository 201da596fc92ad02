// Child process for the spare-file tests: exits through process.exit() while a spare's open has
// created its file but not yet called back, the moment a name is easiest to lose.
// Usage: node --import tsx exit-during-open.ts <directory>
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { takeTemporaryFile, TEMPORARY_DIRECTORY } from "../../src/temporary-file.js";

const [directory = ""] = process.argv.slice(2);
// A file for this write (B) and a spare (A), both opened and called back.
await takeTemporaryFile(directory);
// Takes spare A; the next one (C) starts opening on the threadpool once the loop has polled,
// which this immediate, queued after that one, waits for.
void takeTemporaryFile(directory);
await new Promise((resolve) => setImmediate(resolve));
// Blocking this thread until C exists keeps C's callback from running before exit.
const deadline = Date.now() + 10_000;
while (readdirSync(join(directory, TEMPORARY_DIRECTORY)).length < 3) {
  if (Date.now() > deadline) process.exit(2);
}
process.exit(0);
