import { Inflate } from 'pako';

// Output comes in chunks of this size; the cap is checked after each one.
const CHUNK_BYTES = 16 * 1024;

/** What {@link inflateRawCapped} made of its input. */
export type Inflated =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'not-deflate'; readonly detail: string };

/**
 * Raw DEFLATE (RFC 1951; the HTTP-Redirect binding, SAML bindings §3.4.4.1), abandoned as soon as the
 * output passes `maxBytes`: a deflate bomb is never inflated further than one chunk past the cap.
 * The one capped inflate of samlkit; each caller turns a failure into its own error.
 */
export function inflateRawCapped(bytes: Uint8Array, maxBytes: number): Inflated {
  const inflator = new Inflate({ raw: true, chunkSize: CHUNK_BYTES });
  const chunks: Uint8Array[] = [];
  let total = 0;
  const tooLarge = new RangeError('inflated size cap reached');
  inflator.onData = (chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge;
    chunks.push(chunk);
  };
  try {
    inflator.push(bytes, true);
  } catch (cause) {
    return cause === tooLarge
      ? { ok: false, reason: 'too-large', detail: `more than ${maxBytes} bytes` }
      : { ok: false, reason: 'not-deflate', detail: cause instanceof Error ? cause.message : String(cause) };
  }
  if (!inflator.ended || inflator.err !== 0) {
    return { ok: false, reason: 'not-deflate', detail: inflator.msg || 'incomplete stream' };
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}
