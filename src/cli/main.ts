#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, workerData } from "node:worker_threads";
import { isReceiptWorkerData } from "../journal/worker-data.js";

// The `enact-sdk` command. This file is also what `verify`'s worker threads run (it is the one
// file of the CLI whose location is known in the source tree and in dist/ alike), so it loads
// only what its role needs: the command line (commander and the commands, each on use) in the
// main thread, the receipt examiner in a worker.
if (!isMainThread && isReceiptWorkerData(workerData)) {
  const data = workerData;
  void import("../journal/receipt-worker.js").then(({ serveReceiptExaminations }) => serveReceiptExaminations(data));
} else {
  const workerUrl = workerEntry();
  void import("./program.js")
    .then(({ main }) => main(process.argv, workerUrl === undefined ? {} : { workerUrl }))
    .then((code) => {
      // Set the exit code rather than call process.exit(), so piped output is flushed completely.
      process.exitCode = code;
    });
}

/**
 * This file, for `verify`'s worker threads to run, when it can run there: it must be the script
 * Node was started with (the CommonJS build's import.meta.url names a shared chunk instead), and
 * JavaScript (run from source, through tsx in the tests, Node 20 workers do not inherit the
 * TypeScript loader). Otherwise undefined, and `verify` checks receipts in the main thread only.
 */
function workerEntry(): URL | undefined {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith(".ts") || process.argv[1] === undefined) return undefined;
  try {
    return realpathSync(process.argv[1]) === realpathSync(self) ? pathToFileURL(self) : undefined;
  } catch {
    return undefined;
  }
}
