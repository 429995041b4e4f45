import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // Starting a recognizer (PocketSphinx's decoders) is a hook's work, and slow on a busy 2-core machine.
    hookTimeout: 60_000,
  },
});
