// Public API of the gateway domain: the control plane server, its router and event bus, and the CLI's client. The
// CLI imports ./client.js directly (its second public entry): the client alone keeps ws and node:http out of commands.
export { bearerFrom, tokenMatches } from "./auth.js";
export { GatewayClient } from "./client.js";
export { EventBus, type Listener, type WardenEvent } from "./events.js";
export { type Reply, type RequestContext, type Route, Router } from "./router.js";
export { type AuthFailure, type Gateway, type GatewayOptions, startGateway } from "./server.js";
