import { describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli.js';

describe('fhenet cli', () => {
  it('refuses to run without a command and says so', async () => {
    let message = '';
    await buildCli([])
      .fail((msg) => {
        message = msg;
      })
      .exitProcess(false)
      .parseAsync();
    expect(message).toMatch(/Name a command/);
  });
});
