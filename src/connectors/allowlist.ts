import { ConfigurationError, PermissionError } from "../errors.js";

/**
 * The actions a connector will perform. Default: every action it knows; `[]`: none. An unknown
 * name is a configuration error, because a typo would otherwise silently deny (or, worse, seem to
 * allow) an action.
 */
export class Allowlist<A extends string> {
  readonly #system: string;
  readonly #allowed: ReadonlySet<string>;

  constructor(system: string, known: readonly A[], allowed: readonly string[] | undefined) {
    const unknown = (allowed ?? []).filter((action) => !(known as readonly string[]).includes(action));
    if (unknown.length > 0) {
      throw new ConfigurationError(
        `Unknown ${system} action(s) in allowedActions: ${unknown.join(", ")}. Known actions: ${known.join(", ")}.`,
      );
    }
    this.#system = system;
    this.#allowed = new Set(allowed ?? known);
  }

  /** Throws `PermissionError` unless `action` is allowed. Call it before any I/O. */
  check(action: A): void {
    if (!this.#allowed.has(action)) throw new PermissionError(this.#system, action, [...this.#allowed]);
  }

  has(action: A): boolean {
    return this.#allowed.has(action);
  }

  get actions(): readonly string[] {
    return [...this.#allowed];
  }
}
