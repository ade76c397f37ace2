// `warden audit tail [-n N] [-f] | export --jsonl [--since T] [--task ID] | verify`: the audit log through the
// running daemon's API (the daemon is the only writer; reading through it never races a write).
import type { Command } from "commander";
import type { AuditEvent, VerifyResult } from "../../audit/index.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command("audit").description("read, export and verify the hash-chained audit log");

  audit
    .command("tail")
    .description("the last events, oldest first; -f keeps printing new ones")
    .option("-n, --lines <count>", "how many events", "20")
    .option("-f, --follow", "keep printing events as they are written (Ctrl-C stops)")
    .option("--json", "one JSON object per line")
    .action(async (opts: { lines: string; follow?: boolean; json?: boolean }) => {
      const client = daemonClient(ctx.homeRoot);
      const print = (e: AuditEvent) => println(ctx.stdout, opts.json ? JSON.stringify(e) : formatEvent(e));
      let last = 0;
      const seen = (e: AuditEvent) => {
        if (e.seq <= last) return;
        last = e.seq;
        print(e);
      };
      // Subscribe before reading the tail, so nothing written in between is missed (duplicates are skipped by seq).
      const buffered: AuditEvent[] = [];
      let live = false;
      const socket = opts.follow
        ? await client.events((event) => {
            if (event.type !== "audit.event") return;
            const e = event.data as unknown as AuditEvent;
            if (live) seen(e);
            else buffered.push(e);
          })
        : undefined;
      const { events } = await client.request<{ events: AuditEvent[] }>(
        "GET",
        `/v1/audit/tail?limit=${Number(opts.lines)}`,
      );
      for (const e of events) seen(e);
      if (!socket) return;
      live = true;
      for (const e of buffered) seen(e);
      await new Promise<void>((resolve) => {
        socket.on("close", () => resolve());
        process.once("SIGINT", () => socket.close());
      });
    });

  audit
    .command("export")
    .description("every event (or those since a time / of a task) as JSON lines")
    .option("--jsonl", "JSON lines (the only format; accepted for clarity)")
    .option("--since <time>", "only events at or after this ISO time")
    .option("--task <id>", "only events of this task")
    .action(async (opts: { since?: string; task?: string }) => {
      const client = daemonClient(ctx.homeRoot);
      let after: number | null = 0;
      while (after !== null) {
        const q = new URLSearchParams({ afterSeq: String(after) });
        if (opts.since) q.set("since", opts.since);
        if (opts.task) q.set("task", opts.task);
        const page: { events: AuditEvent[]; nextAfterSeq: number | null } = await client.request(
          "GET",
          `/v1/audit/events?${q}`,
        );
        for (const e of page.events) println(ctx.stdout, JSON.stringify(e));
        after = page.nextAfterSeq;
      }
    });

  audit
    .command("verify")
    .description(
      "check the hash chain: OK, or the first bad seq (edited, deleted, inserted or reordered); exit 1 if bad",
    )
    .option("--json", "print the result as JSON")
    .action(async (opts: { json?: boolean }) => {
      const result = await daemonClient(ctx.homeRoot).request<VerifyResult>("GET", "/v1/audit/verify");
      if (!result.ok) ctx.exitCode = 1;
      if (opts.json) return printJson(ctx.stdout, result);
      println(
        ctx.stdout,
        result.ok
          ? `OK: ${result.count} events, chain intact${result.head ? ` (head ${result.head.seq} ${result.head.hash.slice(0, 16)})` : ""}`
          : `BROKEN at seq ${result.seq}: ${result.problem} (${result.checked} events checked before it)`,
      );
    });
}

function formatEvent(e: AuditEvent): string {
  const task = e.task ? ` task=${e.task}` : "";
  return `${e.seq} ${e.ts} ${e.type} ${e.actor}${task} ${JSON.stringify(e.data)}`;
}
