import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import workspace packages by name; these aliases point them at the TypeScript
// sources so a test never runs against a stale dist/ build.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@fhenet/quantization': src('./packages/quantization/src/index.ts'),
      '@fhenet/params': src('./packages/params/src/index.ts'),
      '@fhenet/datasets': src('./datasets/src/index.ts'),
      '@fhenet/training': src('./packages/training/src/index.ts'),
      '@fhenet/compiler': src('./packages/compiler/src/index.ts'),
      '@fhenet/runtime': src('./packages/runtime/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'datasets/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
