import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsOf, maskConnectionString, redactCredentials } from "../../src/cli/connection-credentials.js";
import { getTestDatabase, releaseTestDatabase, unusedLoopbackPort } from "../support/database.js";
import { fillStore, runCli, tempDirectory } from "../support/cli.js";
import { DATABASE_URL, dropTables, fillPostgres, freshPrefix, useDatabase } from "../support/postgres-journal.js";

const PASSWORD = "hunter2-secret";

describe("masking database credentials", () => {
  it.each([
    [`postgres://app:${PASSWORD}@db:5432/prod`, "postgres://app@db:5432/prod"],
    [`postgres://db/prod?password=${PASSWORD}`, "postgres://db/prod?password=***"],
    [`postgres://db/prod?sslmode=require&sslpassword=${PASSWORD}`, "postgres://db/prod?sslmode=require&sslpassword=***"],
    [`postgres://db/prod?pass%77ord=${PASSWORD}&application_name=x`, "postgres://db/prod?pass%77ord=***&application_name=x"],
    [`postgresql://db/prod?PASSWORD=hunter%32-secret`, "postgresql://db/prod?PASSWORD=***"],
  ])("names %s as %s", (url, label) => {
    expect(maskConnectionString(url)).toBe(label);
  });

  it("masks key=value conninfo passwords, quoted or not", () => {
    expect(redactCredentials(`host=db password=${PASSWORD} dbname=prod`)).toBe("host=db password=*** dbname=prod");
    expect(redactCredentials("host=db password = 'a b\\'c' dbname=prod")).toBe("host=db password = *** dbname=prod");
    expect(redactCredentials(`host=db sslpassword=${PASSWORD}`)).toBe("host=db sslpassword=***");
  });

  it("masks a URL's userinfo password anywhere in a message", () => {
    expect(redactCredentials(`could not connect to postgres://app:${PASSWORD}@db/prod: refused`)).toBe("could not connect to postgres://app:***@db/prod: refused");
  });

  it("masks the connection string's passwords, as written and decoded, wherever a message quotes them", () => {
    const secrets = credentialsOf(`postgres://app:p%40ss-word@db/prod?sslpassword=${PASSWORD}`);
    expect(secrets).toEqual(expect.arrayContaining(["p%40ss-word", "p@ss-word", PASSWORD]));
    expect(redactCredentials(`bad value "p@ss-word" and ${PASSWORD}`, secrets)).toBe('bad value "***" and ***');
  });

  it("leaves messages without credentials alone", () => {
    expect(redactCredentials("Receipt directory receipts does not exist; key=value ok")).toBe("Receipt directory receipts does not exist; key=value ok");
  });
});

describe("enact-sdk never prints database passwords", () => {
  let unreachable: string;
  const prefixes: string[] = [];

  beforeAll(async () => {
    useDatabase((await getTestDatabase()).connectionString);
    unreachable = `postgres://postgres@127.0.0.1:${await unusedLoopbackPort()}/test`;
  });
  afterAll(async () => {
    for (const prefix of prefixes) await dropTables(prefix);
    await releaseTestDatabase();
  });

  it.each([`?password=${PASSWORD}`, `?sslpassword=${PASSWORD}`, `?pass%77ord=${PASSWORD}`, `?application_name=x&password=${PASSWORD}`])(
    "in the error for an unreachable database given %s",
    async (query) => {
      const result = await runCli(["verify", "--database-url", `${unreachable}${query}`]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain("Cannot read the database postgres://postgres@127.0.0.1:");
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    },
  );

  it("in 'Verifying receipts in …' for a password in the query string", async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    await fillPostgres(prefix, 2);
    const url = `${DATABASE_URL}${DATABASE_URL.includes("?") ? "&" : "?"}password=${PASSWORD}`;
    const result = await runCli(["verify", "--database-url", url, "--table-prefix", prefix]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Verifying receipts in postgres:\/\/.*password=\*\*\*/);
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it("in errors the server sends back quoting the password", async () => {
    // The server echoes a bad setting's value; here that value is the password.
    const url = new URL(DATABASE_URL);
    url.password = PASSWORD;
    url.searchParams.set("options", `-c statement_timeout=${PASSWORD}`);
    const result = await runCli(["verify", "--database-url", url.toString()]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("statement_timeout");
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it("reads the database from ENACT_DATABASE_URL when no --database-url and no directory is given", async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    await fillPostgres(prefix, 3);
    const result = await runCli(["verify", "--table-prefix", prefix], { cwd: await tempDirectory(), env: { ENACT_DATABASE_URL: DATABASE_URL } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Verifying receipts in postgres:\/\//);
    expect(result.stdout).toContain("3 valid");
  });

  it("reads a named directory even when ENACT_DATABASE_URL is set", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 2);
    const result = await runCli(["verify", directory], { env: { ENACT_DATABASE_URL: unreachable } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2 valid");
  });
});
