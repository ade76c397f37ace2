// Public API of the policy domain: everything other domains may use. Nothing else in src/policy is imported
// from outside this folder.
export { STARTER_POLICY } from "./starter.js";
