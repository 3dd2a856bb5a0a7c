/**
 * Publishes one Jupyter output holding several MIME types.
 *
 * tslab's public `display` API sends one MIME type per call. Its kernel keeps the writer of the
 * cell being executed in `tslab/dist/jupyter.js` as `lastWriteDisplayData` (set at the start of
 * every execute request); calling it with a full `display_data` content publishes all MIME types
 * as ONE output. The module is looked up in `require.cache`, so the writer is the kernel's own,
 * whichever copy of tslab (local or global) started it.
 */

/** A Jupyter MIME bundle: MIME type → payload (strings; base64 for images; objects for JSON). */
export type MimeBundle = Record<string, unknown>;

type DisplayWriter = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

const TSLAB_JUPYTER = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** The running tslab kernel's `tslab/dist/jupyter.js` exports, or null outside a tslab kernel. */
export function tslabJupyter(): Record<string, unknown> | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!TSLAB_JUPYTER.test(file)) continue;
    const exports = mod?.exports as Record<string, unknown> | undefined;
    if (typeof exports?.lastWriteDisplayData === 'function') return exports;
  }
  return null;
}

/** The running tslab kernel's display writer, or null outside a tslab kernel. */
function tslabWriter(): DisplayWriter | null {
  return (tslabJupyter()?.lastWriteDisplayData as DisplayWriter | undefined) ?? null;
}

/** True when running inside a tslab kernel that is executing a cell. */
export function inTslab(): boolean {
  return tslabWriter() !== null;
}

/**
 * Shows `bundle` as one output of the current cell. Returns false (and shows nothing) outside
 * a tslab kernel.
 */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
  const writer = tslabWriter();
  if (writer === null) return false;
  writer({ data: bundle, metadata, transient: {} }, false);
  return true;
}
