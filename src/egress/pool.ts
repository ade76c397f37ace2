// Keep-alive connections for the proxy, one agent per admitted address (and scheme, port and TLS name). A pooled
// connection is only ever reused for a request admitted to that same address, so reuse never skips a check.
// Owned by one proxy instance and destroyed with it.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Admitted } from "./admit.js";
import type { Target } from "./target.js";

const MAX_AGENTS = 256;

export interface AgentPool {
  agentFor(target: Target, admitted: Admitted): HttpAgent;
  destroy(): void;
}

export function createAgentPool(): AgentPool {
  const agents = new Map<string, HttpAgent>();
  return {
    agentFor(target, admitted) {
      const key = `${target.scheme}|${admitted.address}|${target.port}|${target.host}`;
      let agent = agents.get(key);
      if (agent === undefined) {
        if (agents.size >= MAX_AGENTS) {
          // Oldest first (Map keeps insertion order): a proxy talking to many hosts keeps only recent pools.
          const [oldestKey, oldest] = agents.entries().next().value as [string, HttpAgent];
          oldest.destroy();
          agents.delete(oldestKey);
        }
        const options = { keepAlive: true, maxSockets: 32, maxFreeSockets: 4, timeout: 60_000 };
        agent = target.scheme === "https" ? new HttpsAgent(options) : new HttpAgent(options);
        agents.set(key, agent);
      }
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
