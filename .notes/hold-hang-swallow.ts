// Evidence for .notes/hold-hang.md, not a test: run with `npx tsx .notes/hold-hang-swallow.ts`.
// On PGlite behind pglite-socket every connection shares one backend session, and the socket
// server's queue interleaves the connections' protocol messages one by one. After an error in the
// extended protocol (Parse/Bind/Execute) the session discards every message until a Sync, so a
// simple Query of ANOTHER connection that lands in that window gets no answer at all, and its
// client waits forever. Here one connection runs a failing parameterised query in a loop and
// another runs BEGIN / SELECT / COMMIT in a loop; within seconds the second one stops for good.
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const db = await PGlite.create();
const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 10 });
await server.start();
const connectionString = `postgres://postgres@${server.getServerConn()}/postgres`;
// Two of each: with one of each, their batches happened to alternate whole; with more, the
// queue interleaves the connections' messages one by one.
const failing = [new pg.Client({ connectionString }), new pg.Client({ connectionString })];
const transacting = [new pg.Client({ connectionString }), new pg.Client({ connectionString })];
for (const client of [...failing, ...transacting]) await client.connect();

// What the backend answered to each message: "h<handler>:<message type>-><answer types>".
const trace: string[] = [];
// The last messages up to each simple Query ('Q') the backend answered with nothing.
const swallowed: string[] = [];
const queue = (server as unknown as { queryQueue: { enqueue: (...args: unknown[]) => unknown } }).queryQueue;
const sender = new WeakMap<Uint8Array, number>();
const enqueue = queue.enqueue.bind(queue);
queue.enqueue = (handler: unknown, message: unknown, onData: unknown) => (sender.set(message as Uint8Array, handler as number), enqueue(handler, message, onData));
const exec = db.execProtocolRawStream.bind(db);
db.execProtocolRawStream = async (message, options) => {
  let answered = "";
  const result = await exec(message, { ...options, onRawData: (data) => ((answered += data.length > 0 ? String.fromCharCode(data[0] as number) : ""), options.onRawData(data)) });
  trace.push(`h${sender.get(message)}:${String.fromCharCode(message[0] as number)}->${answered || "nothing"}`);
  if (message[0] === 0x51 && answered === "") swallowed.push(trace.slice(-6).join(" "));
  if (trace.length > 24) trace.shift();
  return result;
};

let stop = false;
const transactions = [0, 0];
for (const client of failing) void (async () => { while (!stop) await client.query("SELECT * FROM no_such_table WHERE x = $1", [1]).catch(() => undefined); })();
transacting.forEach((client, index) => void (async () => {
  while (!stop) {
    await client.query("BEGIN");
    await client.query("SELECT $1::int", [1]);
    await client.query("COMMIT");
    transactions[index] += 1;
  }
})());
let seen = [-1, -1];
const timer = setInterval(() => {
  const stuck = transactions.findIndex((count, index) => count === seen[index]);
  if (stuck !== -1) {
    const waiting = (transacting[stuck] as unknown as { activeQuery?: { text?: string } }).activeQuery?.text;
    console.log(`STUCK: transacting client ${stuck} after ${transactions[stuck]} transactions (the other: ${transactions[1 - stuck]}) still waits for the answer to ${JSON.stringify(waiting)}`);
    console.log(`simple Queries answered with nothing, each with the messages before it:\n  ${swallowed.join("\n  ")}`);
    process.exit(1);
  }
  seen = [...transactions];
}, 2000);
setTimeout(() => { console.log(`no hang: ${transactions.join(" + ")} transactions`); clearInterval(timer); stop = true; process.exit(0); }, 20_000);
