import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import workspace packages by name; these aliases point them at the TypeScript
// sources so a test never runs against a stale dist/ build.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Exact-match patterns: a bare string key would also capture subpaths such as
    // '@fhenet/training/format' and append them to the aliased file.
    alias: [
      ['@fhenet/quantization', './packages/quantization/src/index.ts'],
      ['@fhenet/params', './packages/params/src/index.ts'],
      ['@fhenet/datasets/domain', './datasets/src/domain.ts'],
      ['@fhenet/datasets', './datasets/src/index.ts'],
      ['@fhenet/training/format', './packages/training/src/format/index.ts'],
      ['@fhenet/training', './packages/training/src/index.ts'],
      ['@fhenet/circuit', './packages/circuit/src/index.ts'],
      ['@fhenet/compiler', './packages/compiler/src/index.ts'],
      ['@fhenet/testing', './packages/testing/src/index.ts'],
      ['@fhenet/engine/testing', './packages/engine/src/testing.ts'],
      ['@fhenet/engine', './packages/engine/src/index.ts'],
      ['@fhenet/executor', './packages/executor/src/index.ts'],
      ['@fhenet/client', './packages/client/src/index.ts'],
      ['@fhenet/server/limits', './packages/server/src/limits.ts'],
      ['@fhenet/server', './packages/server/src/index.ts'],
      ['@fhenet/models', './packages/models/src/index.ts'],
      ['@fhenet/experiments', './packages/experiments/src/index.ts'],
      ['@fhenet/fleet', './packages/fleet/src/index.ts'],
    ].map(([name, path]) => ({ find: new RegExp(`^${name}$`), replacement: src(path!) })),
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'datasets/test/**/*.test.ts'],
    // *.slow.test.ts (7- and 8-bit PBS sweeps, 6-bit noise statistics: 15-20 min each on this
    // machine) run with `pnpm test:slow`; the default suite stays within CI's budget.
    exclude: process.env.FHENET_SLOW === '1' ? ['**/node_modules/**'] : ['**/node_modules/**', '**/*.slow.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Fails, by name, a test that blocks its worker's event loop near vitest's fixed 60 s RPC timeout.
    setupFiles: ['./scripts/vitest-event-loop.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
