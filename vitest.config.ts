import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests spawn real daemons, sandboxes and SQLite files; a 2-core machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // One temp folder per run; its teardown stops daemons that a timed-out test left behind.
    globalSetup: ["test/support/global-setup.ts"],
  },
});
