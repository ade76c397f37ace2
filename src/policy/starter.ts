// The starter policy that `warden init` writes to <home>/policy/00-starter.yaml, as commented YAML text.
// It must stay valid under the policy schema (a test loads it) and must never allow anything outside the task.

export const STARTER_POLICY = `# Warden starter policy, written by \`warden init\`.
# Warden denies every action that no rule allows. Rules below say what the agent may do on its own (allow),
# what needs a human's yes (ask) and what is refused outright (deny). A deny beats an ask, an ask beats an allow,
# whatever the order of the rules. A rule marked \`fallback: true\` applies only when no other rule matched: that is
# how "everything else asks" is written without overriding the allows. Edit freely: the daemon reloads this folder within a moment of a save,
# and keeps the last valid policy if an edit is invalid. \`warden policy lint\` checks your changes.
# \${workspace} stands for the current task's workspace folder; paths are compared after symlinks and ".." are
# resolved, so a link out of the workspace does not count as inside it.
version: 1
rules:
  # Talking: the agent may always send a message to its owner, on any channel.
  - id: talk-to-owner
    effect: allow
    reason: The agent may message its owner.
    match:
      tool: send_message
      to: owner

  # Asking: the agent may put a question to its owner (ask_owner); the task waits for the answer.
  - id: ask-the-owner
    effect: allow
    reason: The agent may ask its owner a question.
    match:
      tool: ask_owner
      to: owner

  # Messages to anyone else (a group, another person) wait for the owner's approval.
  - id: message-others
    effect: ask
    reason: Messages to someone other than the owner need approval.
    match:
      tool: send_message
      to: others

  # Reading files inside the task workspace is allowed.
  - id: read-workspace
    effect: allow
    reason: The agent may read files in its task workspace.
    match:
      tool: read_file
      path: \${workspace}/**
    # Examples are checked every time the policy loads: the load fails if one gets another answer.
    examples:
      allow:
        - { tool: read_file, path: /warden-example/ws/notes.txt, workspace: /warden-example/ws }
      ask:
        - { tool: read_file, path: /etc/hostname, workspace: /warden-example/ws }

  # Writing files inside the task workspace is allowed.
  - id: write-workspace
    effect: allow
    reason: The agent may write files in its task workspace.
    match:
      tool: write_file
      path: \${workspace}/**

  # Reading a file anywhere else asks first (it may hold private data). fallback: only when no rule above matched.
  - id: read-elsewhere
    effect: ask
    fallback: true
    reason: Reading a file outside the task workspace needs approval.
    match:
      tool: read_file

  # Writing anywhere outside the workspace is refused (fallback: the workspace allow above still applies).
  - id: write-elsewhere
    effect: deny
    fallback: true
    reason: Writing outside the task workspace is not allowed.
    match:
      tool: write_file
      path: /**
    examples:
      deny:
        - { tool: write_file, path: /etc/passwd, workspace: /warden-example/ws }

  # A short list of read-only commands, run (in the sandbox) from inside the workspace.
  # None of them can start another program. Wrappers such as sh -c, env, time or xargs are never
  # matched by this rule, even when the command inside them is on the list.
  - id: read-only-commands
    effect: allow
    reason: Read-only commands inside the task workspace.
    match:
      tool: exec
      executable: [ls, cat, head, tail, wc, grep]
      cwd: \${workspace}/**

  # find, but never with the options that run a program, delete or write files.
  - id: find-read-only
    effect: allow
    reason: find without -exec, -delete or file output.
    match:
      tool: exec
      executable: find
      cwd: \${workspace}/**
      argvNone: [-exec, -execdir, -ok, -okdir, -delete, -fprint, -fprint0, -fprintf, -fls]

  # git, only the read-only subcommands; options that write files or run external diff programs are excluded.
  - id: git-read-only
    effect: allow
    reason: git status, log, diff and show inside the task workspace.
    match:
      tool: exec
      executable: git
      cwd: \${workspace}/**
      argv: ["{status,log,diff,show}", "**"]
      argvNone: ["--output*", "--ext-diff", "--textconv", "-o"]

  # Any other command asks: the approver sees the exact argv that would run.
  - id: other-commands
    effect: ask
    fallback: true
    reason: This command is not on the read-only list; it needs approval.
    match:
      tool: exec

  # Network requests ask: the approver sees the method and the full URL.
  - id: network
    effect: ask
    fallback: true
    reason: Network access needs approval.
    match:
      tool: http_request

  # Starting a sub-agent asks; it can never receive more than this task holds.
  - id: spawn-agent
    effect: ask
    fallback: true
    reason: Starting a sub-agent needs approval.
    match:
      tool: spawn_agent

  # Tools of MCP servers ask until you write rules for the ones you trust. A broad allow (tool: "mcp.github.*")
  # runs only the tools their server marks read-only; the others still ask unless a rule names them exactly.
  - id: mcp-tools
    effect: ask
    fallback: true
    reason: MCP tools need approval until a rule allows them.
    match:
      tool: mcp.**

  # Anything not named above (deleting files, new tools) is denied: no rule, no action.
`;
