// The models `warden model pull` knows by name: where each comes from (a pinned revision, so the bytes never change
// under the checksum) and its SHA-256 and size. A download is accepted only when its SHA-256 matches the one here.

export interface CatalogModel {
  name: string;
  /** the file name in <home>/models */
  file: string;
  url: string;
  sha256: string;
  bytes: number;
  description: string;
}

export const CATALOG: readonly CatalogModel[] = [
  {
    name: "qwen2.5-1.5b-instruct",
    file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
    url: "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf",
    sha256: "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
    bytes: 1_117_320_736,
    description: "Qwen2.5 1.5B Instruct, Q4_K_M (1.1 GB, Apache-2.0): small, fast on a CPU, calls tools",
  },
];

export const DEFAULT_MODEL = "qwen2.5-1.5b-instruct";

export function catalogModel(name: string): CatalogModel | undefined {
  return CATALOG.find((m) => m.name === name || m.file === name);
}
