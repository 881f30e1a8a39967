// kernels.wat -> wasm binaries, with wabt. Shared by the build script and the test that checks
// the committed binaries are up to date.
import wabtInit from 'wabt';

const SHARED_MEMORY = '(memory 1 65536 shared)';
// The WebAssembly API is global in Node but not in this project's TypeScript libs (as in src/backend/fused.ts).
const { validate } = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

export async function assembleKernels(wat: string): Promise<{ plain: Uint8Array; shared: Uint8Array }> {
  if (!wat.includes(SHARED_MEMORY)) throw new Error(`kernels.wat: expected the memory import to read ${SHARED_MEMORY}`);
  const wabt = await wabtInit();
  const build = (text: string) => {
    const mod = wabt.parseWat('kernels.wat', text, { simd: true, threads: true });
    try {
      // wabt.js's validate() ignores the threads feature ("memories may not be shared"), so the
      // binary is validated by the engine instead (WebAssembly.validate below).
      return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
    } finally {
      mod.destroy();
    }
  };
  const out = { plain: build(wat.replace(SHARED_MEMORY, '(memory 1)')), shared: build(wat) };
  for (const [name, bin] of Object.entries(out)) {
    if (!validate(bin)) throw new Error(`kernels.wat: the ${name} binary does not validate`);
  }
  return out;
}
