import { createHmac } from "node:crypto";
import { jcsWithout } from "../canonical-json.js";
import type { Receipt } from "../models.js";
import type { PolicySetIdentity } from "../policy-set.js";
import { ReceiptSigner, type SignedReceipt } from "../receipt.js";
import { SecretRedactor } from "../secret-redaction.js";
import { ed25519PrivateKey, type SigningKey } from "./ed25519-keys.js";
import { Ed25519ReceiptSigner } from "./ed25519-signer.js";

/** What the client, its rollback engine and its idempotent runs need from a signer. */
export interface ReceiptSigning {
  sign(receipt: Receipt): Receipt;
  signWithJson(receipt: Receipt): SignedReceipt;
  verify(receipt: unknown): boolean;
  verifyParsed(receipt: unknown): boolean;
}

/** Labels the secret an Ed25519 client derives for its own control records when it has none. */
const INTERNAL_SECRET_LABEL = "enact-sdk control secret from ed25519 v1";

/**
 * The secret an Ed25519 client without `secret` uses for what is not a receipt (approval and
 * kill-switch records, rollback keys): HMAC-SHA256 of the private key's PKCS#8 bytes, labelled.
 * Nobody without the private key can compute it; it never signs a receipt.
 */
export function internalSecretFrom(signingKey: SigningKey): string {
  const der = ed25519PrivateKey(signingKey.privateKey).export({ type: "pkcs8", format: "der" });
  return createHmac("sha256", der).update(INTERNAL_SECRET_LABEL, "utf8").digest("hex");
}

/**
 * The client's signer: HMAC with the secret (the default) or Ed25519 with `signingKey`, and the
 * client's policy-set identity stamped on every receipt it signs (runs, rollbacks, reconciles).
 * An Ed25519 client given a secret as well also verifies the HMAC receipts of that secret (a store
 * moving from HMAC to Ed25519 still replays its keyed runs and rolls back its older runs), and
 * redacts that secret from receipts as the HMAC signer does.
 */
export class ClientSigner implements ReceiptSigning {
  readonly #hmac: ReceiptSigner | undefined;
  readonly #ed25519: Ed25519ReceiptSigner | undefined;
  readonly #redactor: SecretRedactor | undefined;
  readonly #policySet: PolicySetIdentity;

  constructor(options: { secret?: string | undefined; signingKey?: SigningKey | undefined; policySet: PolicySetIdentity }) {
    this.#policySet = options.policySet;
    this.#hmac = options.secret === undefined ? undefined : new ReceiptSigner(options.secret);
    if (options.signingKey !== undefined) {
      this.#ed25519 = new Ed25519ReceiptSigner(options.signingKey);
      if (options.secret !== undefined) this.#redactor = new SecretRedactor(options.secret);
    }
  }

  /** True when receipts are signed with Ed25519. */
  get isEd25519(): boolean {
    return this.#ed25519 !== undefined;
  }

  sign(receipt: Receipt): Receipt {
    return this.signWithJson(receipt).receipt;
  }

  signWithJson(receipt: Receipt): SignedReceipt {
    const stamped = receipt.policySet === undefined ? { ...receipt, policySet: { ...this.#policySet } } : receipt;
    if (this.#ed25519 === undefined) return (this.#hmac as ReceiptSigner).signWithJson(stamped);
    return this.#ed25519.signWithJson(this.#redacted(stamped));
  }

  verify(receipt: unknown): boolean {
    return (this.#ed25519?.verify(receipt) ?? false) || (this.#hmac?.verify(receipt) ?? false);
  }

  verifyParsed(receipt: unknown): boolean {
    return (this.#ed25519?.verifyParsed(receipt) ?? false) || (this.#hmac?.verifyParsed(receipt) ?? false);
  }

  #redacted(receipt: Receipt): Receipt {
    const redactor = this.#redactor;
    if (redactor === undefined) return receipt;
    const text = jcsWithout(receipt, "signature");
    return text !== undefined && redactor.appearsIn(text) ? redactor.redactReceipt(receipt) : receipt;
  }
}
