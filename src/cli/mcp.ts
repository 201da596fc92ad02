import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { EnactClient } from "../client.js";
import { CliError, ExitCode } from "./exit-codes.js";

/** Options of `enact-sdk mcp`. */
export interface McpCommandOptions {
  config: string;
  actor?: string;
  name?: string;
}

/** What a config module's default export may be. */
interface ServeConfig {
  client: EnactClient;
  actorEmail?: string;
}

/**
 * `enact-sdk mcp --config <module>`: serves the module's client's workflows as MCP tools over
 * stdio until the client disconnects. stdout carries the protocol: nothing else is written there.
 */
export async function mcpCommand(options: McpCommandOptions): Promise<ExitCode> {
  const { client, actorEmail } = await loadConfig(options.config);
  const actor = options.actor ?? actorEmail ?? process.env.ENACT_ACTOR_EMAIL;
  if (actor === undefined || actor.trim() === "") {
    throw new CliError(ExitCode.usage, "enact-sdk mcp needs an actor: export { client, actorEmail } from the config module, pass --actor <email>, or set ENACT_ACTOR_EMAIL.");
  }
  const [{ createMcpServer }, { StdioServerTransport }] = await Promise.all([import("../adapters/mcp.js"), loadStdioTransport()]);
  const server = createMcpServer(client, { actorEmail: actor, name: options.name });
  const closed = new Promise<void>((resolveClosed) => {
    server.server.onclose = () => resolveClosed();
  });
  await server.connect(new StdioServerTransport());
  process.stderr.write(`enact-sdk mcp: serving ${client.workflows.length} workflow(s) as ${actor} over stdio\n`);
  process.stdin.on("end", () => void server.close());
  await closed;
  await client.flush();
  return ExitCode.ok;
}

async function loadStdioTransport(): Promise<typeof import("@modelcontextprotocol/sdk/server/stdio.js")> {
  const { loadPeer } = await import("../peer.js");
  return loadPeer("@modelcontextprotocol/sdk", "enact-sdk mcp", "@modelcontextprotocol/sdk/server/stdio.js");
}

async function loadConfig(path: string): Promise<ServeConfig> {
  let loaded: { default?: unknown };
  try {
    loaded = (await importModule(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    throw new CliError(ExitCode.usage, `Cannot load the config module ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const exported = loaded.default;
  if (isClient(exported)) return { client: exported };
  if (typeof exported === "object" && exported !== null && isClient((exported as { client?: unknown }).client)) {
    const { client, actorEmail } = exported as { client: EnactClient; actorEmail?: unknown };
    if (actorEmail !== undefined && typeof actorEmail !== "string") throw new CliError(ExitCode.usage, `${path}: actorEmail must be a string.`);
    return { client, actorEmail };
  }
  throw new CliError(ExitCode.usage, `${path} must export default an EnactClient or { client, actorEmail }.`);
}

/**
 * A native `import()`: the CLI runs as CommonJS (dist/cli-main.cjs), where the bundler would turn
 * a written `import()` into `require()`, which cannot load an ES module config in every Node 20.
 */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

// Not instanceof: the config module may load enact-sdk's ESM build while the CLI runs its CommonJS one.
function isClient(value: unknown): value is EnactClient {
  const candidate = value as { run?: unknown; describeWorkflows?: unknown } | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.run === "function" && typeof candidate.describeWorkflows === "function";
}
