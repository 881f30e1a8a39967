// Base of every class that owns native memory: explicit dispose(), plus a FinalizationRegistry
// that frees the memory if an object is garbage-collected without dispose().
import { native, type NativeHandle } from './native.js';

const registry = new FinalizationRegistry<NativeHandle>((h) => {
  try {
    native.dispose(h);
  } catch {
    // Still in use by a pending native operation: the External's own finalizer frees it later.
  }
});

export abstract class NativeObject {
  #handle: NativeHandle | null;
  protected constructor(handle: NativeHandle) {
    this.#handle = handle;
    registry.register(this, handle, this);
  }
  /** The live native handle; throws a clear error after dispose(). */
  protected get handle(): NativeHandle {
    if (this.#handle === null) throw new Error(`${this.constructor.name} has been disposed`);
    return this.#handle;
  }
  /** @internal Handle access for sibling classes of this package. */
  static handleOf(o: NativeObject): NativeHandle {
    return o.handle;
  }
  get disposed(): boolean {
    return this.#handle === null;
  }
  /** Frees the native memory now (idempotent). */
  dispose(): void {
    if (this.#handle === null) return;
    native.dispose(this.#handle);
    registry.unregister(this);
    this.#handle = null;
  }
}
