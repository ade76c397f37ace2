// Writes a tiny random-weight llama-architecture model as a GGUF v3 file, so tests can run the real embedded engine
// with no download: 64-dim embeddings, 2 layers, 4 heads, a SentencePiece-style vocabulary of a few hundred pieces
// with byte fallback and the ChatML control tokens, a ChatML chat template, and F32 weights from a fixed seed (the
// same bytes every time). Its text is gibberish; it exercises loading, tokenizer, template, sampling and grammar.
// Written from the GGUF layout: header, key/value metadata, tensor infos, then aligned tensor data.
import { writeFile } from "node:fs/promises";

const ALIGN = 32;
const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;
const TOKEN = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

type Meta =
  | { t: "u32"; v: number }
  | { t: "f32"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "str"; v: string }
  | { t: "strs"; v: string[] }
  | { t: "f32s"; v: number[] }
  | { t: "i32s"; v: number[] };

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyModelOptions {
  seed?: number;
  /** how far the random weights spread; larger means peakier logits */
  scale?: number;
  /**
   * A scripted model: after the prompt's last token (the newline that ends `<|im_start|>assistant\n`) it writes
   * these vocabulary pieces in order, then `<|im_end|>`. Attention and feed-forward outputs are zeroed, so the next
   * token depends on the current one only (a bigram table): the pieces must be distinct; missing ones are added to
   * the vocabulary. What the engine does with the text (streaming, function-call detection, grammar) is real.
   */
  script?: string[];
}

/** Pieces: <unk> <s> </s>, the 256 byte tokens, printable ASCII, "▁" + each letter, common words, ChatML tokens. */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN.UNKNOWN, TOKEN.CONTROL, TOKEN.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN.BYTE);
  }
  const pieces = ["▁"];
  for (let c = 0x21; c < 0x7f; c++) pieces.push(String.fromCharCode(c));
  for (const l of "abcdefghijklmnopqrstuvwxyz") pieces.push(`▁${l}`);
  for (const w of ["th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "▁th", "▁the", "▁an", "▁and", "▁to"]) {
    pieces.push(w);
  }
  for (const p of pieces) {
    tokens.push(p);
    types.push(TOKEN.NORMAL);
  }
  tokens.push("<|im_start|>", "<|im_end|>");
  types.push(TOKEN.CONTROL, TOKEN.CONTROL);
  // SentencePiece merges prefer higher scores: longer pieces score higher than their parts
  const scores = tokens.map((t, i) => (types[i] === TOKEN.NORMAL ? -100 + t.length * 10 - i / 1000 : 0));
  return { tokens, scores, types };
}

/** A small fixed-seed generator (mulberry32): the same weights on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Writer {
  private readonly chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(): void {
    const rest = this.length % ALIGN;
    if (rest !== 0) this.push(Buffer.alloc(ALIGN - rest));
  }
  value(m: Meta): void {
    switch (m.t) {
      case "u32":
        this.u32(T.U32);
        this.u32(m.v);
        return;
      case "f32": {
        this.u32(T.F32);
        const b = Buffer.alloc(4);
        b.writeFloatLE(m.v);
        this.push(b);
        return;
      }
      case "bool":
        this.u32(T.BOOL);
        this.push(Buffer.from([m.v ? 1 : 0]));
        return;
      case "str":
        this.u32(T.STRING);
        this.str(m.v);
        return;
      case "strs":
        this.u32(T.ARRAY);
        this.u32(T.STRING);
        this.u64(m.v.length);
        for (const s of m.v) this.str(s);
        return;
      case "f32s": {
        this.u32(T.ARRAY);
        this.u32(T.F32);
        this.u64(m.v.length);
        this.push(Buffer.from(new Float32Array(m.v).buffer));
        return;
      }
      case "i32s":
        this.u32(T.ARRAY);
        this.u32(T.I32);
        this.u64(m.v.length);
        this.push(Buffer.from(new Int32Array(m.v).buffer));
        return;
    }
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The GGUF bytes of the tiny model. */
export function tinyLlamaGguf(options: TinyModelOptions = {}): Buffer {
  const embd = 64;
  const layers = 2;
  const heads = 4;
  const ff = 128;
  const vocab = vocabulary();
  for (const piece of options.script ?? []) {
    if (vocab.tokens.includes(piece)) continue;
    // before the two ChatML tokens, which stay last
    const at = vocab.tokens.length - 2;
    vocab.tokens.splice(at, 0, piece);
    vocab.types.splice(at, 0, TOKEN.NORMAL);
    vocab.scores.splice(at, 0, -100 + piece.length * 10);
  }
  const nVocab = vocab.tokens.length;
  const imEnd = vocab.tokens.indexOf("<|im_end|>");
  const meta: [string, Meta][] = [
    ["general.architecture", { t: "str", v: "llama" }],
    ["general.name", { t: "str", v: "warden-tiny-test" }],
    ["general.alignment", { t: "u32", v: ALIGN }],
    ["llama.context_length", { t: "u32", v: 32768 }],
    ["llama.embedding_length", { t: "u32", v: embd }],
    ["llama.block_count", { t: "u32", v: layers }],
    ["llama.feed_forward_length", { t: "u32", v: ff }],
    ["llama.attention.head_count", { t: "u32", v: heads }],
    ["llama.attention.head_count_kv", { t: "u32", v: heads }],
    ["llama.rope.dimension_count", { t: "u32", v: embd / heads }],
    ["llama.attention.layer_norm_rms_epsilon", { t: "f32", v: 1e-5 }],
    ["llama.vocab_size", { t: "u32", v: nVocab }],
    ["tokenizer.ggml.model", { t: "str", v: "llama" }],
    ["tokenizer.ggml.tokens", { t: "strs", v: vocab.tokens }],
    ["tokenizer.ggml.scores", { t: "f32s", v: vocab.scores }],
    ["tokenizer.ggml.token_type", { t: "i32s", v: vocab.types }],
    ["tokenizer.ggml.bos_token_id", { t: "u32", v: 1 }],
    ["tokenizer.ggml.eos_token_id", { t: "u32", v: imEnd }],
    ["tokenizer.ggml.unknown_token_id", { t: "u32", v: 0 }],
    ["tokenizer.ggml.add_bos_token", { t: "bool", v: false }],
    ["tokenizer.chat_template", { t: "str", v: CHATML_TEMPLATE }],
  ];

  // ggml shapes list the contiguous dimension first
  const shapes: [string, number[]][] = [["token_embd.weight", [embd, nVocab]]];
  for (let i = 0; i < layers; i++) {
    shapes.push(
      [`blk.${i}.attn_norm.weight`, [embd]],
      [`blk.${i}.attn_q.weight`, [embd, embd]],
      [`blk.${i}.attn_k.weight`, [embd, embd]],
      [`blk.${i}.attn_v.weight`, [embd, embd]],
      [`blk.${i}.attn_output.weight`, [embd, embd]],
      [`blk.${i}.ffn_norm.weight`, [embd]],
      [`blk.${i}.ffn_gate.weight`, [embd, ff]],
      [`blk.${i}.ffn_up.weight`, [embd, ff]],
      [`blk.${i}.ffn_down.weight`, [ff, embd]],
    );
  }
  shapes.push(["output_norm.weight", [embd]], ["output.weight", [embd, nVocab]]);

  const next = random(options.seed ?? 7);
  const scale = options.scale ?? 0.5;
  const tensors = new Map<string, Float32Array>();
  for (const [name, dims] of shapes) {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const isNorm = name.endsWith("norm.weight");
    for (let j = 0; j < n; j++) values[j] = isNorm ? 1 : (next() * 2 - 1) * scale;
    tensors.set(name, values);
  }
  if (options.script) scriptWeights(tensors, vocab.tokens, options.script, embd, layers);
  const data = shapes.map(([name]) => Buffer.from((tensors.get(name) ?? new Float32Array()).buffer));

  const w = new Writer();
  w.push(Buffer.from("GGUF", "latin1"));
  w.u32(3);
  w.u64(shapes.length);
  w.u64(meta.length);
  for (const [key, value] of meta) {
    w.str(key);
    w.value(value);
  }
  let offset = 0;
  shapes.forEach(([name, dims], i) => {
    w.str(name);
    w.u32(dims.length);
    for (const d of dims) w.u64(d);
    w.u32(0); // GGML_TYPE_F32
    w.u64(offset);
    const size = data[i]?.length ?? 0;
    offset += Math.ceil(size / ALIGN) * ALIGN;
  });
  w.pad();
  for (const d of data) {
    w.push(d);
    w.pad();
  }
  return w.bytes();
}

/** Makes the model a bigram table that walks newline -> script[0] -> ... -> <|im_end|>. */
function scriptWeights(
  tensors: Map<string, Float32Array>,
  tokens: string[],
  script: string[],
  embd: number,
  layers: number,
): void {
  const chain = ["<0x0A>", ...script].map((p) => tokens.indexOf(p));
  const targets = [...chain.slice(1), tokens.indexOf("<|im_end|>")];
  if (new Set(chain).size !== chain.length || chain.length > embd) {
    throw new Error("a scripted model needs distinct pieces, at most one fewer than the embedding width");
  }
  for (let i = 0; i < layers; i++) {
    tensors.get(`blk.${i}.attn_output.weight`)?.fill(0);
    tensors.get(`blk.${i}.ffn_down.weight`)?.fill(0);
  }
  const embedding = tensors.get("token_embd.weight");
  const output = tensors.get("output.weight");
  if (!embedding || !output) return;
  chain.forEach((token, d) => {
    // token -> a one-hot hidden state on dimension d -> a large logit for its successor only
    embedding.fill(0, token * embd, (token + 1) * embd);
    embedding[token * embd + d] = 1;
    const target = targets[d] ?? 0;
    output[target * embd + d] = 20;
  });
}

/** Writes the tiny model to `path` and returns the path. */
export async function writeTinyLlamaGguf(path: string, options: TinyModelOptions = {}): Promise<string> {
  await writeFile(path, tinyLlamaGguf(options));
  return path;
}
