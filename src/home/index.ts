// Public API of the home domain: where Warden's files live, creating them, checking their permissions.
export {
  assertHomeSafe,
  checkHome,
  type HomeProblem,
  type InitFiles,
  type InitReport,
  initHome,
  readToken,
} from "./init.js";
export { type HomeEnv, type HomePaths, homePaths, resolveHomeRoot } from "./paths.js";
export { type CachedYaml, noYamlCache, openYamlCache, type YamlCache } from "./yaml-cache.js";
