export { describeStoreContract, newClaim } from "./store-contract.js";
export type { ContractFramework, CrossProcessStore, StoreContractOptions } from "./store-contract.js";
