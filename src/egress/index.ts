// Public API of the egress domain: the proxy, the http_request tool, the checks they share, and their config.
export { type AddressVerdict, canonicalAddress, classifyAddress } from "./address.js";
export { type Admitted, admit } from "./admit.js";
export { type CaOptions, type CertificateAuthority, createCertificateAuthority } from "./ca.js";
export { type EgressConfig, egressConfigSchema, passesThrough } from "./config.js";
export type { EgressDeps } from "./deps.js";
export {
  createHttpRequestTool,
  type HttpRequestArgs,
  type HttpTool,
  type HttpToolResult,
  httpRequestArgsSchema,
} from "./http-tool.js";
export { type EgressProxy, type ProxyOptions, startEgressProxy } from "./proxy.js";
export { type Resolver, staticResolver, systemResolver } from "./resolver.js";
export { type Parsed, parseConnectAuthority, parseUrl, type Scheme, type Target } from "./target.js";
export type {
  EgressAudit,
  EgressDecide,
  EgressDecision,
  EgressEvent,
  EgressQuery,
  Scanner,
  SecretAccess,
} from "./types.js";
