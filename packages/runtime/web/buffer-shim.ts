// The two Buffer uses of the circuit reader/writer (packages/compiler/src/circuit/arrays.ts:
// base64 <-> bytes), for the browser bundle, injected by the bundler in place of Node's global
// Buffer. Anything else fails loudly instead of behaving differently.
function from(data: string | ArrayBufferLike, encodingOrOffset?: string | number, length?: number): Uint8Array & { toString(enc?: string): string } {
  let bytes: Uint8Array;
  if (typeof data === 'string') {
    if (encodingOrOffset !== 'base64') throw new Error(`Buffer shim: only base64 strings, got encoding ${String(encodingOrOffset)}`);
    const bin = atob(data);
    bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } else {
    bytes = new Uint8Array(data, (encodingOrOffset as number | undefined) ?? 0, length);
  }
  const out = bytes as Uint8Array & { toString(enc?: string): string };
  out.toString = (enc?: string) => {
    if (enc !== 'base64') throw new Error(`Buffer shim: toString only to base64, got ${String(enc)}`);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  };
  return out;
}
export const Buffer = { from };
