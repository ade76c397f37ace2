// The built-in tools of this slice, built from what they need (a Sandbox for exec, the sandbox uid for files a root
// daemon writes); send_message, spawn_agent and ask_owner join when the caller passes what they need.
import type { ChannelRegistry } from "../../channels/index.js";
import type { Sandbox } from "../../sandbox/index.js";
import type { FileOwner } from "../confine.js";
import type { Tool } from "../tool.js";
import { type AskOwnerDeps, askOwnerTool } from "./ask.js";
import { listDirTool, searchFilesTool } from "./dirs.js";
import { execTool } from "./exec.js";
import { editFileTool, readFileTool, writeFileTool } from "./files.js";
import { type HttpRequestToolDeps, httpRequestTool } from "./http.js";
import { sendMessageTool } from "./message.js";
import { type SubAgentDeps, spawnAgentTool } from "./subagent.js";

export interface BuiltinToolDeps {
  sandbox: Sandbox;
  /** Set when Warden runs as root: files and folders it creates get the sandbox uid/gid. */
  fileOwner?: FileOwner;
  /** send_message, through these channels. */
  channels?: Pick<ChannelRegistry, "send">;
  /** spawn_agent. */
  subagents?: SubAgentDeps;
  /** ask_owner. */
  owner?: AskOwnerDeps;
  /** http_request (runs in the daemon through the egress checks; its answers taint the task). */
  http?: HttpRequestToolDeps;
}

export function builtinTools(deps: BuiltinToolDeps): Tool<unknown>[] {
  return [
    execTool(deps.sandbox),
    readFileTool,
    writeFileTool(deps.fileOwner),
    editFileTool(deps.fileOwner),
    listDirTool,
    searchFilesTool,
    ...(deps.channels ? [sendMessageTool(deps.channels)] : []),
    ...(deps.subagents ? [spawnAgentTool(deps.subagents)] : []),
    ...(deps.owner ? [askOwnerTool(deps.owner)] : []),
    ...(deps.http ? [httpRequestTool(deps.http)] : []),
  ];
}
