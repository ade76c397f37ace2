// http_request as an agent tool: the egress domain's tool (runs in the daemon, never in the sandbox) behind the agent's
// Tool shape. Policy decides on `{tool: "http_request", method, url, secrets}` (the secret names its handles use); the
// first hop goes out on the decision the loop already made (an approved `ask` is not asked again), every redirect is
// decided again by policy (an `ask` there is a denial: nobody is waiting on it). The answer is untrusted: the task's
// taint becomes untrusted. Values of secrets never reach the model: handles in, redacted text out.
import { type EgressDecide, type HttpTool, httpRequestArgsSchema } from "../../egress/index.js";
import type { Action, Decision } from "../../policy/index.js";
import { handlesIn } from "../../secrets/index.js";
import { defineTool, fail, type Tool, type ToolOutput } from "../tool.js";

export interface HttpRequestToolDeps {
  /** The egress domain's http_request tool (createHttpRequestTool), with its own checks, guard and redaction. */
  readonly tool: Pick<HttpTool, "run" | "description">;
  /** Policy, for redirects. */
  readonly decide: (action: Action) => Decision;
}

type Args = ReturnType<typeof httpRequestArgsSchema.parse>;

/** Names of the secrets whose handles a request uses (URL and header values); the body may carry none. */
function secretsOf(a: Args): string[] {
  return [...new Set([a.url, ...Object.values(a.headers)].flatMap((text) => handlesIn(text)))].sort();
}

export function httpRequestTool(deps: HttpRequestToolDeps): Tool<unknown> {
  return defineTool<Args>({
    name: "http_request",
    description: deps.tool.description,
    schema: httpRequestArgsSchema,
    sideEffect: true,
    action: (a) => {
      const secrets = secretsOf(a);
      return { tool: "http_request", method: a.method, url: a.url, ...(secrets.length > 0 ? { secrets } : {}) };
    },
    async run(a, ctx): Promise<ToolOutput> {
      let hop = 0;
      const decide: EgressDecide = (q) => {
        hop += 1;
        if (hop === 1) {
          const d = ctx.decision;
          return { verdict: "allow", reason: d.reason, ...(d.rule ? { rule: d.rule } : {}) };
        }
        const host = q.host.includes(":") ? `[${q.host}]` : q.host;
        const d = deps.decide({
          tool: "http_request",
          method: q.method ?? "GET",
          url: `${q.scheme}://${host}:${q.port}${q.path ?? "/"}`,
          ...(q.secrets.length > 0 ? { secrets: [...q.secrets] } : {}),
          task: ctx.task,
          taint: ctx.taint,
          workspace: ctx.workspace,
          budget: ctx.budget,
        });
        return { verdict: d.effect, reason: `redirect: ${d.reason}`, ...(d.rule ? { rule: d.rule } : {}) };
      };
      const r = await deps.tool.run(a, { decide });
      if (!r.ok) return fail(r.error.code, r.error.reason);
      const { ok: _ok, untrusted: _untrusted, ...value } = r;
      return { ok: true, value, untrusted: true };
    },
  });
}
