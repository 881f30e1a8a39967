// @fhenet/engine/testing — the raw addon (test and benchmark hooks: reference loops, kernel
// variants, noise samplers, CSPRNG streams) and the native-handle base class, for the engine's
// own tests and benches and for tests that track native allocations. Not part of the public API.
export { native, nativeTesting, type NativeAddon, type NativeTesting, type NativeHandle, type NativeParams, type NativeWopParams } from './native.js';
export { NativeObject } from './handle.js';
export { tfhersNative } from './tfhe-rs/native.js';
