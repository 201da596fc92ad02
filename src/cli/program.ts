import { Command, CommanderError, Option } from "commander";
import { credentialsOf, redactCredentials } from "./connection-credentials.js";
import { CliError, ExitCode } from "./exit-codes.js";
import type { ListOptions } from "./list.js";
import { clean, colorsFor } from "./output.js";
import type { ShowOptions } from "./show.js";
import type { StoreCommand } from "./store.js";
import type { VerifyOptions } from "./verify.js";
import type { ReplayOptions } from "./replay.js";
import type { KeyObject } from "node:crypto";

/** Commander's way to repeat an option: each value is added to the list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const DEFAULT_DIRECTORY = "receipts";

const EXIT_CODES_HELP = `
Exit codes:
  0   all is well
  1   verification failed (a receipt invalid, missing or injected, or the journal broken)
  2   usage error
  3   ENACT_SECRET not set (environment or .env), or shorter than 32 characters (not needed with --public-key)
  4   receipt directory or database not found, or not a receipt store
  5   a receipt file is corrupt, truncated or unreadable
  6   no receipt with that run id (show)
  7   interrupted writes only, nothing tampered with (run enact-sdk settle)
  8   approval refused (approve, deny: unknown, expired, decided, self-approval, not in ENACT_APPROVERS)
  9   replay --fail-on-change: the candidate policies would change some run's decision
  70  internal error`;

/** How the command line runs, beyond its arguments. */
export interface MainOptions {
  /**
   * The CLI's entry point (src/cli/main.ts, dist/cli.js), which `verify`'s worker threads run.
   * Without it, `verify` checks every receipt in the main thread.
   */
  workerUrl?: URL;
}

/**
 * Runs the `enact-sdk` command line with `argv` (as `process.argv`) and resolves with the exit
 * code. Output goes to stdout, messages and errors to stderr.
 *
 * @example
 * process.exitCode = await main(["node", "enact-sdk", "verify", "receipts"]);
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<ExitCode> {
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V")) {
    // Answered before building the program: the version is read from package.json only when asked for.
    const { packageVersion } = await import("./version.js");
    process.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  let code: ExitCode = ExitCode.ok;
  const program = buildProgram(options, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    return report(error);
  }
}

// Each command's module (and the libraries only it uses: cli-table3, zod, pg…) is imported when
// that command runs, not at start-up: `--help` and `verify` do not pay for what `list` needs.
function buildProgram(settings: MainOptions, done: (code: ExitCode) => void): Command {
  const program = new Command("enact-sdk")
    .description("Audit enact-sdk receipts: verify signatures and the tamper-evident journal, list and show receipts.")
    .showHelpAfterError("(run enact-sdk --help for usage)")
    // Listed in --help; main() answers it.
    .option("-V, --version", "print the version of enact-sdk")
    .addHelpText("after", EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(colorsFor(process.stderr).red(text)) });

  withStoreOptions(program.command("verify"))
    .description("check every receipt's signature and the journal's chain")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--json", "machine-readable output")
    .option("--anchor <seq:mac>", "a journal head recorded earlier (printed by verify) that must still be there")
    .option(
      "--public-key <[keyId=]pem>",
      "verify Ed25519 receipts and the public journal with this public key, no secret needed (repeatable; key id = file name without extension unless keyId= is given)",
      collect,
      [],
    )
    .option(
      "--threads <n>",
      "threads that read and check a directory's receipts (default: one per idle CPU from 2000 receipts on; 1: no worker threads)",
    )
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (dir: string, options: VerifyOptions & StoreOptions & { publicKey?: string[] }, command: Command) => {
      const { verifyCommand } = await import("./verify.js");
      done(await withStore(dir, storeOptions(options, command.args.length > 0), verifyCommand(options, settings.workerUrl), options.publicKey));
    });

  withStoreOptions(program.command("list"))
    .description("a table of receipts: time, run id, workflow, actor, decision, actions, signature")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--workflow <name>", "only this workflow")
    .option("--actor <email>", "only this actor")
    .option("--decision <PASS|BLOCK|PARTIAL>", "only this decision (PARTIAL: a rollback that could not undo everything)")
    .option("--since <time>", "only receipts at or after this time: ISO-8601, or a time ago (30m, 1h, 7d, 2w)")
    .option("--until <time>", "only receipts before this time: ISO-8601, or a time ago (30m, 1h, 7d, 2w)")
    .option("--policy-set <digest>", "only receipts decided by this policy set (receipt.policySet.digest)")
    .option("--limit <n>", "only the newest n receipts that match (printed oldest first)")
    .option("--public-key <[keyId=]pem>", "check Ed25519 signatures with this public key (repeatable)", collect, [])
    .option("--json", "machine-readable output")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (dir: string, options: ListOptions & StoreOptions & { publicKey?: string[] }, command: Command) => {
      const { listCommand } = await import("./list.js");
      done(await withStore(dir, storeOptions(options, command.args.length > 0), listCommand(options), options.publicKey));
    });

  withStoreOptions(program.command("show"))
    .description("one receipt in words: who, what, why, what changed, and whether it is genuine")
    .argument("<runId>", "the run id of the receipt, or enough of its start to name one")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--public-key <[keyId=]pem>", "check an Ed25519 receipt and the public journal with this public key (repeatable)", collect, [])
    .option("--json", "machine-readable output")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (runId: string, dir: string, options: ShowOptions & StoreOptions & { publicKey?: string[] }, command: Command) => {
      const { showCommand } = await import("./show.js");
      done(await withStore(dir, storeOptions(options, command.args.length > 1), showCommand(runId, options), options.publicKey));
    });

  program
    .command("settle")
    .description("store and chain the receipts that stopped processes left in a directory's write-ahead logs")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--public-key <[keyId=]pem>", "a store of Ed25519 clients (public journal): check logged receipts with this public key; no secret needed (repeatable)", collect, [])
    .option("--json", "machine-readable output")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (dir: string, options: { json?: boolean; publicKey?: string[] }) => {
      const { loadSecret } = await import("./secret.js");
      const { settle } = await import("./settle.js");
      if (options.publicKey !== undefined && options.publicKey.length > 0) {
        const { readPublicKeys } = await import("./public-keys.js");
        const keys = readPublicKeys(options.publicKey);
        const secret = await loadSecret().catch((error: unknown) => {
          if (error instanceof CliError && error.exitCode === ExitCode.noSecret) return "";
          throw error;
        });
        done(await settle(dir, secret, options, keys));
        return;
      }
      done(await settle(dir, await loadSecret(), options));
    });

  withStoreOptions(program.command("replay"))
    .description("evaluate candidate policies against stored receipts and report every run whose decision would change (executes nothing)")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .requiredOption("--policies <module>", "a module exporting `policies` (and optionally `systems`, `shadowPolicies` is ignored)")
    .option("--public-key <[keyId=]pem>", "verify Ed25519 receipts with this public key before replaying them (repeatable)", collect, [])
    .option("--fail-on-change", "exit 9 when any decision would change (for CI)")
    .option("--json", "machine-readable output")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (dir: string, options: ReplayOptions & StoreOptions & { publicKey?: string[] }, command: Command) => {
      const { replayCommand } = await import("./replay.js");
      done(await withStore(dir, storeOptions(options, command.args.length > 0), await replayCommand(options), options.publicKey));
    });

  registerApprovalCommands(program, done);

  // Issue 26: the local web page.
  withStoreOptions(program.command("ui"))
    .description("a local web page (127.0.0.1 only, behind a token) to browse receipts, answer approvals, halt, and verify")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--port <n>", "the port to serve on (default: a free one)")
    .option("--as <email>", "who approves, denies and halts from the page (approvers: ENACT_APPROVERS)")
    .action(async (dir: string, options: StoreOptions & { port?: string; as?: string }, command: Command) => {
      const { uiCommand } = await import("./ui.js");
      const located = storeOptions(options, command.args.length > 0);
      const location = { directory: dir, databaseUrl: located.databaseUrl, tablePrefix: located.tablePrefix, schema: located.schema };
      try {
        done(await uiCommand(location, options));
      } catch (error) {
        throw located.databaseUrl === undefined ? error : withoutCredentials(error, credentialsOf(located.databaseUrl));
      }
    });

  return program;
}

// Issue 23: approvals and the kill switch; the commands live in ./approvals.ts.
function registerApprovalCommands(program: Command, done: (code: ExitCode) => void): void {
  const location = (dir: string, options: StoreOptions) => ({ directory: dir, databaseUrl: options.databaseUrl, tablePrefix: options.tablePrefix, schema: options.schema });
  withStoreOptions(program.command("approvals"))
    .description("the open approval requests: undecided and unexpired")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .option("--json", "machine-readable output")
    .action(async (dir: string, options: StoreOptions & { json?: boolean }) => {
      const { approvalsCommand } = await import("./approvals.js");
      done(await approvalsCommand(location(dir, options), options));
    });
  for (const [name, decision] of [["approve", "approved"], ["deny", "denied"]] as const) {
    const command = withStoreOptions(program.command(name))
      .description(`${name} an approval request (the approver must be listed in ENACT_APPROVERS)`)
      .argument("<id>", "the approval request's id")
      .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
      .requiredOption("--by <email>", "who decides")
      .option("--json", "machine-readable output");
    if (decision === "approved") command.option("--note <text>", "why it is approved");
    else command.option("--reason <text>", "why it is denied");
    command.action(async (id: string, dir: string, options: StoreOptions & { by: string; note?: string; reason?: string; json?: boolean }) => {
      const { decideCommand } = await import("./approvals.js");
      done(await decideCommand(decision, id, location(dir, options), options));
    });
  }
  withStoreOptions(program.command("halt"))
    .description("the kill switch: block every run of every client on the store")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .requiredOption("--by <email>", "who halts")
    .requiredOption("--reason <text>", "why")
    .option("--json", "machine-readable output")
    .action(async (dir: string, options: StoreOptions & { by: string; reason: string; json?: boolean }) => {
      const { haltCommand } = await import("./approvals.js");
      done(await haltCommand(true, location(dir, options), options));
    });
  program
    .command("mcp")
    .description("serve a client's workflows as MCP tools over stdio, every call through its policies (needs @modelcontextprotocol/sdk)")
    .requiredOption("--config <module>", "a module whose default export is an EnactClient or { client, actorEmail }")
    .option("--actor <email>", "who the runs are recorded as (default: the module's actorEmail, else $ENACT_ACTOR_EMAIL)")
    .option("--name <name>", "the server's name in the MCP handshake", "enact")
    .action(async (options: { config: string; actor?: string; name?: string }) => {
      const { mcpCommand } = await import("./mcp.js");
      done(await mcpCommand(options));
    });
  withStoreOptions(program.command("unhalt"))
    .description("let runs through again after halt")
    .argument("[dir]", "receipt directory", DEFAULT_DIRECTORY)
    .requiredOption("--by <email>", "who unhalts")
    .option("--json", "machine-readable output")
    .action(async (dir: string, options: StoreOptions & { by: string; json?: boolean }) => {
      const { haltCommand } = await import("./approvals.js");
      done(await haltCommand(false, location(dir, options), options));
    });
}

interface StoreOptions {
  databaseUrl?: string;
  tablePrefix?: string;
  schema?: string;
  allowInsecureSecret?: boolean;
}

/**
 * The store options, with the database from `ENACT_DATABASE_URL` when `--database-url` is not
 * given and no directory is named: the password then stays out of shell history and `ps`.
 * Not `DATABASE_URL`: apps set it for their own database, and a file store's user running
 * `enact-sdk verify` there must not be sent to it.
 */
function storeOptions<T extends StoreOptions>(options: T, directoryGiven: boolean, env: NodeJS.ProcessEnv = process.env): T {
  if (options.databaseUrl !== undefined || directoryGiven) return options;
  const fromEnv = env.ENACT_DATABASE_URL;
  return fromEnv === undefined || fromEnv === "" ? options : { ...options, databaseUrl: fromEnv };
}

function withStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--database-url <url>", "read a PostgresReceiptStore in this database instead of a directory (default: $ENACT_DATABASE_URL when no directory is named)"),
    )
    .addOption(new Option("--table-prefix <prefix>", "with --database-url: the store's tablePrefix").default("enact_"))
    .addOption(new Option("--schema <name>", "with --database-url: the store's schema"))
    .addOption(new Option("--allow-insecure-secret", "accept an ENACT_SECRET shorter than 32 characters (stores of tests and demos)"));
}

async function withStore(
  directory: string,
  options: StoreOptions,
  command: StoreCommand,
  publicKeyOptions: readonly string[] = [],
): Promise<ExitCode> {
  const { assertUsableSecret, loadSecret } = await import("./secret.js");
  let keys: Map<string, KeyObject> | undefined;
  let secret: string;
  if (publicKeyOptions.length > 0) {
    // Issue 25: with public keys the secret is optional; when it is there, HMAC receipts are checked too.
    const { readPublicKeys } = await import("./public-keys.js");
    keys = readPublicKeys(publicKeyOptions);
    secret = await loadSecret().catch((error: unknown) => {
      if (error instanceof CliError && error.exitCode === ExitCode.noSecret) return "";
      throw error;
    });
    if (secret !== "") assertUsableSecret(secret, options.allowInsecureSecret === true);
  } else {
    secret = await loadSecret();
    assertUsableSecret(secret, options.allowInsecureSecret === true);
  }
  const { openStore } = await import("./store.js");
  try {
    const store = await openStore({ directory, databaseUrl: options.databaseUrl, tablePrefix: options.tablePrefix, schema: options.schema }, secret, keys);
    try {
      return await command(store, secret, keys);
    } finally {
      await store.close();
    }
  } catch (error) {
    throw options.databaseUrl === undefined ? error : withoutCredentials(error, credentialsOf(options.databaseUrl));
  }
}

/** `error` with the database's passwords masked in its message and stack: `pg` and drivers may quote them. */
function withoutCredentials(error: unknown, secrets: readonly string[]): unknown {
  if (error instanceof CliError) return new CliError(error.exitCode, redactCredentials(error.message, secrets));
  if (!(error instanceof Error)) return new Error(redactCredentials(String(error), secrets));
  const redacted = new Error(redactCredentials(error.message, secrets));
  redacted.stack = redactCredentials(error.stack ?? error.message, secrets);
  return redacted;
}

function report(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Commander has already printed the message (or the help).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const c = colorsFor(process.stderr);
  if (error instanceof CliError) {
    process.stderr.write(`${c.red("error:")} ${clean(redactCredentials(error.message))}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `${c.red("internal error:")} ${clean(redactCredentials(error instanceof Error ? (error.stack ?? error.message) : String(error)))}\n` +
      "This is a bug in enact-sdk; please report it.\n",
  );
  return ExitCode.internal;
}

