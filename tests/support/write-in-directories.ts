// Child process for the writer-thread tests: writes one receipt into each of <count> directories
// under <root>, then ends on its own ("natural") or through process.exit() ("exit").
// Usage: node --import tsx write-in-directories.ts <root> <count> <natural|exit>
import { join } from "node:path";
import { writeReceipt } from "../../src/index.js";
import { makeReceipt } from "./cli.js";

const [root = "", count, ending] = process.argv.slice(2);
for (let n = 0; n < Number(count); n += 1) await writeReceipt(makeReceipt(), join(root, `d${n}`));
process.stdout.write("written\n");
if (ending === "exit") process.exit(0);
