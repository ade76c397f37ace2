// Public API of the config domain.
export { DEFAULT_CONFIG_YAML } from "./default.js";
export { type ConfigProblem, formatProblems, loadConfigFile, parseConfig } from "./load.js";
export { type Config, configSchema, DEFAULT_PORT, isLoopbackHost, secretHandle } from "./schema.js";
export { configJsonSchema, maskConfig } from "./show.js";
