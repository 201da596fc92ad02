// Type-checked against dist/ by tests/package.test.ts, as a CommonJS user would write it.
import enact = require("enact-sdk");

const receipt: enact.Receipt = enact.buildReceipt({
  workflow: "w",
  actorEmail: "a@b.com",
  payload: {},
  policyResults: [],
  decision: "BLOCK",
});
export const valid: boolean = enact.verifySignature(enact.signReceipt(receipt, "k"), "k");
