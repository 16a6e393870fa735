/**
 * The DNS lookup of domain verification records: I/O, kept apart from the pure judgement in
 * `domains.ts`, and injectable (tests point it at their own DNS server).
 *
 * @module
 */
import { Resolver } from 'node:dns/promises';

/**
 * Looks up the TXT records at a name: resolves the records (each a list of strings, RFC 1035
 * §3.3.14), `[]` when the name has none or does not exist (a definitive answer), and rejects when
 * the lookup itself fails (timeout, SERVFAIL, refused): then nothing is decided.
 */
export type TxtLookup = (name: string) => Promise<readonly (readonly string[])[]>;

/** Options of {@link createTxtLookup}. */
export interface TxtLookupOptions {
  /**
   * The DNS servers to ask, as `node:dns` `setServers` takes them (`'1.1.1.1'`, `'[::1]:5353'`,
   * `'127.0.0.1:5353'`). Default: the system's.
   */
  readonly servers?: readonly string[];
  /** How long one query may take, in milliseconds, before it is tried again. Default 2000. */
  readonly timeoutMs?: number;
  /** Attempts per lookup. Default 2. */
  readonly tries?: number;
}

/** Answers that say the name has no TXT record: no data, or no such name. */
const DEFINITIVE_NONE = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * The default {@link TxtLookup}: a `node:dns` `Resolver` of its own (not `dns.lookup`, which reads
 * hosts files and cannot ask for TXT records), with a per-query timeout and a bounded number of
 * tries, so that a verification never hangs.
 *
 * @example
 * ```ts
 * const resolveTxt = createTxtLookup({ servers: ['1.1.1.1', '8.8.8.8'], timeoutMs: 3000 });
 * const records = await resolveTxt('_samlkit-verification.acme.com');
 * ```
 * @throws TypeError when an option is out of range or a server address is invalid.
 */
export function createTxtLookup(options: TxtLookupOptions = {}): TxtLookup {
  const timeout = options.timeoutMs ?? 2000;
  const tries = options.tries ?? 2;
  if (!Number.isSafeInteger(timeout) || timeout < 1 || timeout > 60_000)
    throw new TypeError('options.timeoutMs must be a whole number of milliseconds from 1 to 60000');
  if (!Number.isSafeInteger(tries) || tries < 1 || tries > 10)
    throw new TypeError('options.tries must be a whole number from 1 to 10');
  const resolver = new Resolver({ timeout, tries });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  return async (name) => {
    try {
      return await resolver.resolveTxt(name);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && DEFINITIVE_NONE.has(code)) return [];
      throw error;
    }
  };
}
