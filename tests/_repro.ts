import { EnactClient, defineWorkflow } from "../src/index.js";
import { PostgresReceiptStore } from "../src/stores/postgres-store.js";
import { startEmbeddedPostgres } from "../src/connectors/postgres/embedded.js";
const pg = await startEmbeddedPostgres({ maxConnections: 1000 });
const wf = defineWorkflow("noop", async () => []);
const stores = [];
for (let s = 0; s < 6; s++) {
  const store = new PostgresReceiptStore({ connectionString: pg.connectionString, tablePrefix: `r${s}_` });
  stores.push(store);
  const enact = new EnactClient({ secret: "x".repeat(40), receiptStore: store, workflows: [wf] });
  await Promise.all(Array.from({ length: 5 }, () => enact.run({ workflow: "noop", actorEmail: "a@b.co", payload: {} })));
}
console.log("runs done");
const t = setTimeout(() => { console.log("HANG"); process.exit(1); }, 15000);
await Promise.all(stores.map((s) => s.close()));
clearTimeout(t);
console.log("closed");
await pg.stop();
