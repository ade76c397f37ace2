// The commented warden.yaml that `warden init` writes. Every line is a default: an empty file behaves the same.
// A test parses this text, so it can never drift from the schema.

export const DEFAULT_CONFIG_YAML = `# Warden configuration. Every value below is the default; delete a line to keep the default.
# \`warden config schema\` prints the full JSON Schema (for editors); \`warden config show\` the effective values.
version: 1

# The control plane: HTTP API and WebSocket events used by the CLI and the web UI.
# Loopback only: Warden refuses any other address. Every request needs the bearer token in ./token.
gateway:
  host: 127.0.0.1
  port: 7433

# Structured JSON logs in ./logs/daemon.log (secret values are redacted before a line is written).
log:
  level: info

# The model. "none" keeps the agent off; "openai-compatible" talks to a local server such as
# Ollama (http://127.0.0.1:11434/v1), llama.cpp's llama-server (http://127.0.0.1:8080/v1), vLLM or NVIDIA NIM
# (http://127.0.0.1:8000/v1). An API key, if the server needs one, is a handle: apiKey: secret:NAME
model:
  provider: none
  # baseUrl: http://127.0.0.1:11434/v1
  # model: qwen2.5:7b-instruct

# The state database (./state.db). "full" fsyncs every commit; "normal" is faster and survives a crash of Warden
# but not a power cut.
store:
  durability: full

# Pending approvals are denied with reason "expired" after this many minutes (docs/approvals.md).
approvals:
  expiryMinutes: 30

# Every tool runs in bubblewrap; "none" is refused unless allowUnsandboxed is true (docs/sandbox.md).
sandbox:
  backend: bwrap

# More sections, each documented in its own file: policy (docs/policy.md), audit (docs/audit.md),
# secrets (docs/secrets.md), egress (docs/egress.md). \`warden config show\` prints their values.
`;
