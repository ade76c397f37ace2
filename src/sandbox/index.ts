// Public API of the sandbox domain: everything other domains may use lives behind this file.
export { DEFAULT_BWRAP, type ProbeOptions, type ProbeValue, probeSandbox } from "./probe.js";
