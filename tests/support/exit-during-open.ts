// Child process for the spare-file tests: exits through process.exit() while spares' opens have
// created their files but not yet called back, the moment a name is easiest to lose.
// Usage: node --import tsx exit-during-open.ts <directory>
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { takeTemporaryFile, TEMPORARY_DIRECTORY } from "../../src/temporary-file.js";

const [directory = ""] = process.argv.slice(2);
// The directory's first write: its spares could not be opened before .tmp existed, so this write
// opens its own file (B), creating .tmp, and a refill is due.
await takeTemporaryFile(directory);
// The second write waits for a spare: the refill, once the loop has polled, opens one for it (A)
// and two for the stock (C, D), since the directory has had two writes. This immediate, queued
// after the refill, waits for it to be issued.
void takeTemporaryFile(directory);
await new Promise((resolve) => setImmediate(resolve));
// Blocking this thread until A, C and D exist keeps their callbacks from running before exit.
const deadline = Date.now() + 10_000;
while (readdirSync(join(directory, TEMPORARY_DIRECTORY)).length < 4) {
  if (Date.now() > deadline) process.exit(2);
}
process.exit(0);
