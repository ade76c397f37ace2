// Embedded engine benchmark, against the compiled code (npx tsc -p tsconfig.build.json) and the engine installed in
// engine/ (`node bin/warden.js model engine install --dir engine`). Prints one JSON object. Uses the tiny
// random-weight GGUF the tests write (test/support/gguf.ts, bundled here with esbuild), so it needs no download; its
// figures measure Warden and the engine's fixed costs, not a real model's speed.
// - load: engine import + model + context, on the provider's first request (median of RUNS fresh providers), and the
//   same three steps called directly on node-llama-cpp in the same run (baseline).
// - generation: tokens/s for a 128-token answer through the provider vs node-llama-cpp's LlamaChat directly with the
//   same prompt, context size and thread count (baseline); the ratio is Warden's overhead.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { createEmbeddedProvider, engineDirs, findEngine } from "../../dist/models/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKENS = 128;
const THREADS = 1;
const CONTEXT = 4096;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const dirs = engineDirs(undefined);
const engine = findEngine(dirs);
if (!engine) throw new Error("the engine is not installed: run node bin/warden.js model engine install --dir engine");
const dir = mkdtempSync(join(tmpdir(), "warden-bench-embedded-"));
try {
  const out = join(dir, "gguf.mjs");
  await build({
    entryPoints: ["test/support/gguf.ts"],
    outfile: out,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const { writeTinyLlamaGguf } = await import(pathToFileURL(out).href);
  const modelPath = await writeTinyLlamaGguf(join(dir, "tiny.gguf"));
  const lib = await import(pathToFileURL(engine.entry).href);
  const messages = [{ role: "user", content: "Write a long story about a lighthouse keeper." }];

  const providerLoad = [];
  const providerRate = [];
  for (let i = 0; i < RUNS; i++) {
    const p = createEmbeddedProvider({ modelPath, engineDirs: dirs, threads: THREADS, contextSize: CONTEXT });
    const first = await p.chat({ messages, tools: [], maxTokens: 1 });
    if (!first.ok) throw first.error;
    providerLoad.push(p.loadMs);
    const t = performance.now();
    const r = await p.chat({ messages, tools: [], maxTokens: TOKENS });
    if (!r.ok) throw r.error;
    providerRate.push(r.value.usage.completionTokens / ((performance.now() - t) / 1000));
    await p.close();
  }

  const directLoad = [];
  const directRate = [];
  const steps = { getLlama: [], loadModel: [], createContext: [] };
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: "error", progressLogs: false });
    const t1 = performance.now();
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const t2 = performance.now();
    const context = await model.createContext({ contextSize: CONTEXT, threads: THREADS });
    steps.getLlama.push(t1 - t0);
    steps.loadModel.push(t2 - t1);
    steps.createContext.push(performance.now() - t2);
    const chat = new lib.LlamaChat({ contextSequence: context.getSequence() });
    directLoad.push(performance.now() - t0);
    await chat.generateResponse([{ type: "user", text: messages[0].content }], { maxTokens: 1 });
    let n = 0;
    const t = performance.now();
    await chat.generateResponse([{ type: "user", text: messages[0].content }], {
      maxTokens: TOKENS,
      onToken: (tokens) => {
        n += tokens.length;
      },
    });
    directRate.push(n / ((performance.now() - t) / 1000));
    chat.dispose();
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }

  const pl = median(providerLoad);
  const dl = median(directLoad);
  const pr = median(providerRate);
  const dr = median(directRate);
  console.log(
    JSON.stringify(
      {
        engine: `node-llama-cpp ${engine.version}`,
        model: "tiny random-weight llama GGUF (64-dim, 2 layers), CPU",
        runs: RUNS,
        threads: THREADS,
        loadMs: {
          provider: round(pl),
          direct: round(dl),
          ratio: round(pl / dl, 2),
          directSteps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, round(median(v))])),
        },
        tokensPerSecond: { provider: round(pr), direct: round(dr), ratio: round(pr / dr, 2), answerTokens: TOKENS },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
