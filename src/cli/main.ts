import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread, workerData } from "node:worker_threads";
import { isReceiptWorkerData } from "../journal/worker-data.js";

// The `enact-sdk` command, which the bin (bin.ts) runs. It is also what `verify`'s worker threads
// run, so it loads only what its role needs: the command line (commander and the commands, each
// on use) in the main thread, the receipt examiner in a worker.
if (!isMainThread && isReceiptWorkerData(workerData)) {
  const data = workerData;
  void import("../journal/receipt-worker.js").then(({ serveReceiptExaminations }) => serveReceiptExaminations(data));
} else {
  // `enact-sdk list | head`: a reader that stops reading is not a failure of the command.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit();
  });
  const workerUrl = workerEntry();
  void import("./program.js")
    .then(({ main }) => main(process.argv, workerUrl === undefined ? {} : { workerUrl }))
    .then((code) => {
      // Set the exit code rather than call process.exit(), so piped output is flushed completely.
      process.exitCode = code;
    });
}

/**
 * This file's CommonJS build (dist/cli-main.cjs), for `verify`'s worker threads to run, when the
 * script Node was started with is the package's bin (dist/cli.js, which runs that build). Otherwise
 * undefined (run from source, as through tsx in the tests: Node 20 workers do not inherit the
 * TypeScript loader), and `verify` checks receipts in the main thread only.
 */
function workerEntry(): URL | undefined {
  // The bin and the CommonJS build sit next to this file's builds and the shared chunks (which the
  // CommonJS build's import.meta.url names); from source there is no src/cli/cli.js, and realpath throws.
  const bin = new URL("./cli.js", import.meta.url);
  if (process.argv[1] === undefined) return undefined;
  try {
    const started = realpathSync.native(process.argv[1]) === realpathSync.native(fileURLToPath(bin));
    // Workers run the CommonJS build itself: without the bin's ES module loader, they start sooner.
    return started ? new URL("./cli-main.cjs", bin) : undefined;
  } catch {
    return undefined;
  }
}
