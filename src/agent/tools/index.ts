// The built-in tools of this slice, built from what they need (a Sandbox for exec, the sandbox uid for files a root
// daemon writes). Later slices add http_request, send_message, spawn_agent, ask_owner.
import type { Sandbox } from "../../sandbox/index.js";
import type { FileOwner } from "../confine.js";
import type { Tool } from "../tool.js";
import { listDirTool, searchFilesTool } from "./dirs.js";
import { execTool } from "./exec.js";
import { editFileTool, readFileTool, writeFileTool } from "./files.js";

export interface BuiltinToolDeps {
  sandbox: Sandbox;
  /** Set when Warden runs as root: files and folders it creates get the sandbox uid/gid. */
  fileOwner?: FileOwner;
}

export function builtinTools(deps: BuiltinToolDeps): Tool<unknown>[] {
  return [
    execTool(deps.sandbox),
    readFileTool,
    writeFileTool(deps.fileOwner),
    editFileTool(deps.fileOwner),
    listDirTool,
    searchFilesTool,
  ];
}
