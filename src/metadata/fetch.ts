/**
 * An opt-in helper that downloads an IdP's metadata, for applications that refresh it on a
 * schedule. The core never fetches anything; this helper connects only to the address it checked
 * (docs/security.md rule 29).
 *
 * @module
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { SamlError, type SamlErrorCode } from '../errors.js';
import { fail } from '../internal/fail.js';
import {
  parseIdpMetadata,
  resolveParseOptions,
  type IdpMetadata,
  type IdpSigningCertificate,
  type ParseIdpMetadataOptions,
} from './idp.js';

const METADATA_FETCH_FAILED: SamlErrorCode = 'METADATA_FETCH_FAILED';

const DAY_MS = 86_400_000;

/** Options of {@link fetchIdpMetadata}; the parse options apply to the downloaded document. */
export interface FetchIdpMetadataOptions extends ParseIdpMetadataOptions {
  /** Validators of the copy you hold: the request becomes conditional (RFC 9110 §13.1). */
  readonly previous?: {
    /** The `etag` of the last result (sent as `If-None-Match`). */
    readonly etag?: string;
    /** The `lastModified` of the last result (sent as `If-Modified-Since`). */
    readonly lastModified?: string;
  };
  /** Deadline for the whole download, redirects included, in milliseconds. Default 10000. */
  readonly timeoutMs?: number;
  /** Redirects followed, each checked like the first URL. Default 3, at most 10. */
  readonly maxRedirects?: number;
  /** Certificates whose notAfter is at most this many days away are listed as expiring. Default 30. */
  readonly warnDays?: number;
  /**
   * **Weakens security.** Accept `http:` URLs, whose content anyone on the path can replace (unless
   * `trustedCertificates` pins the metadata signer). Default `false`. For local development only.
   */
  readonly allowHttp?: boolean;
  /**
   * **Weakens security.** Allow hosts that resolve to loopback, private, link-local or other
   * non-public addresses, which lets whoever sets the URL probe your internal network (SSRF).
   * Default `false`.
   */
  readonly allowPrivateAddresses?: boolean;
  /**
   * Resolves a host name to its addresses, once per request: the one address connected to is one
   * of these, after the check. Default: the system resolver (`dns.lookup`, all addresses). For a
   * resolver of your own (DNS-over-HTTPS, a split-horizon server) and tests.
   */
  readonly lookup?: (hostname: string) => Promise<readonly string[]>;
}

/** The outcome of {@link fetchIdpMetadata}. */
export type FetchIdpMetadataResult =
  | {
      /** The server answered 304: the copy you hold is current. */
      readonly status: 'not-modified';
    }
  | {
      /** A document was downloaded and parsed. */
      readonly status: 'updated';
      /** The parsed metadata; `metadata.idp` is ready for `TenantConfig.idp`. */
      readonly metadata: IdpMetadata;
      /** Keep these and pass them as `previous` next time. */
      readonly etag?: string;
      /** The `Last-Modified` header; keep it with `etag`. */
      readonly lastModified?: string;
      /** Signing certificates that expire within `warnDays` (or already have). */
      readonly expiringCertificates: readonly IdpSigningCertificate[];
    };

/**
 * Downloads and parses an IdP's metadata (saml-metadata-2.0-os; the well-known location of
 * §4.1 is just a URL here). HTTPS only; every host on the way, redirects included, must resolve
 * to public addresses only; redirects are followed by hand, at most `maxRedirects`; the body is
 * streamed and abandoned as soon as it exceeds `maxBytes`; the whole exchange has a deadline.
 * With `previous`, an unchanged document answers `{ status: 'not-modified' }`.
 *
 * DNS rebinding: each host is resolved once per request, every address it resolves to is checked,
 * and the connection goes to the checked address (pinned through the socket's `lookup`, while TLS
 * still verifies the certificate for the host name): a DNS server that answers differently the
 * second time is never asked a second time. Where the URL comes from untrusted users, also restrict
 * egress at the network level.
 *
 * HTTPS authenticates the server, not the document: pass `trustedCertificates` to require a
 * metadata signature as well. Network failures throw a {@link SamlError}; bad arguments a `TypeError`.
 *
 * @example
 * ```ts
 * const result = await fetchIdpMetadata(tenantRow.metadataUrl, { previous: tenantRow.validators });
 * if (result.status === 'updated') {
 *   await saveTenant({ ...tenantRow, idp: result.metadata.idp, validators: { etag: result.etag } });
 *   for (const cert of result.expiringCertificates) warnAdmin(cert.fingerprint, cert.notAfter);
 * }
 * ```
 */
export async function fetchIdpMetadata(
  url: string | URL,
  options: FetchIdpMetadataOptions = {},
): Promise<FetchIdpMetadataResult> {
  const start = initialUrl(url);
  const { maxBytes, now } = resolveParseOptions(options);
  const timeoutMs = wholeNumber(options.timeoutMs, 'timeoutMs', 10_000, 1, 600_000);
  const maxRedirects = wholeNumber(options.maxRedirects, 'maxRedirects', 3, 0, 10);
  const warnDays = wholeNumber(options.warnDays, 'warnDays', 30, 0, 3650);
  const headers = conditionalHeaders(options.previous);
  const allowHttp = options.allowHttp === true;
  const allowPrivate = options.allowPrivateAddresses === true;
  const resolve = options.lookup ?? systemLookup;
  if (typeof resolve !== 'function') throw new TypeError('options.lookup must be a function');

  const signal = AbortSignal.timeout(timeoutMs);
  let download: Download | 'not-modified';
  try {
    download = await get(start, {
      headers,
      signal,
      maxBytes,
      maxRedirects,
      allowHttp,
      allowPrivate,
      resolve,
    });
  } catch (cause) {
    if (cause instanceof SamlError) throw cause;
    if (signal.aborted) fetchFailed(`Fetching the metadata timed out after ${timeoutMs} ms`, start, cause);
    fetchFailed(`Fetching the metadata failed: ${describe(cause)}`, start, cause);
  }
  if (download === 'not-modified') return { status: 'not-modified' };

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(download.body);
  } catch (cause) {
    fail('INVALID_ENCODING', 'The metadata is not valid UTF-8', { hint: urlHint(start), cause });
  }
  const metadata = parseIdpMetadata(text, { ...options, maxBytes, now: () => now });
  const limit = now.getTime() + warnDays * DAY_MS;
  return {
    status: 'updated',
    metadata,
    ...(download.etag !== undefined && { etag: download.etag }),
    ...(download.lastModified !== undefined && { lastModified: download.lastModified }),
    expiringCertificates: metadata.signingCertificates.filter((cert) => cert.notAfter.getTime() <= limit),
  };
}

interface Download {
  readonly body: Uint8Array;
  readonly etag?: string;
  readonly lastModified?: string;
}

interface Policy {
  readonly headers: Headers;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly allowHttp: boolean;
  readonly allowPrivate: boolean;
  readonly resolve: (hostname: string) => Promise<readonly string[]>;
}

/** The system resolver, every address in the order it gives them. */
async function systemLookup(hostname: string): Promise<readonly string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

async function get(start: URL, policy: Policy): Promise<Download | 'not-modified'> {
  const { headers, maxBytes, maxRedirects } = policy;
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const addresses = await checkDestination(url, policy);
    const response = await send(url, addresses, policy);
    const status = response.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status)) {
      response.destroy();
      const location = header(response, 'location');
      if (redirects >= maxRedirects) fetchFailed(`More than ${maxRedirects} redirects`, start);
      if (location === undefined || !URL.canParse(location, url.href)) {
        fetchFailed(`A redirect (HTTP ${status}) has no valid Location`, start);
      }
      url = new URL(location, url);
      continue;
    }
    if (status === 304 && (headers.has('if-none-match') || headers.has('if-modified-since'))) {
      response.destroy();
      return 'not-modified';
    }
    if (status !== 200) {
      response.destroy();
      fetchFailed(`The metadata URL answered HTTP ${status}`, start);
    }
    const body = await readCapped(response, maxBytes);
    const etag = header(response, 'etag');
    const lastModified = header(response, 'last-modified');
    return { body, ...(etag !== undefined && { etag }), ...(lastModified !== undefined && { lastModified }) };
  }
}

/**
 * One GET to `url`, connected to one of `addresses` (the ones checked) whatever the DNS says now:
 * the socket's `lookup` answers with them, so nothing resolves the name again (with
 * `autoSelectFamily`, Node.js tries them in turn). TLS verifies the certificate for the URL's host
 * name (SNI too), as without pinning.
 */
function send(url: URL, addresses: readonly [string, ...string[]], policy: Policy): Promise<IncomingMessage> {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const [first] = entries;
    if (options.all === true) callback(null, entries);
    else callback(null, first?.address ?? '', first?.family ?? 4);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'GET',
        headers: Object.fromEntries(policy.headers),
        lookup: pinned,
        agent: false,
        signal: policy.signal,
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Streams the body, giving up as soon as it grows past `maxBytes`. */
async function readCapped(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): never => {
    response.destroy();
    return fail('SIZE_LIMIT', `The metadata is larger than ${maxBytes} bytes`, {
      hint: 'Use the metadata URL of your application in the IdP, not a federation-wide aggregate.',
    });
  };
  const declared = Number(header(response, 'content-length') ?? Number.NaN);
  if (declared > maxBytes) tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Scheme, then every address the host resolves to (checked again for each redirect); returns the
 * addresses to connect to: those the host resolved to, or the literal IP.
 */
async function checkDestination(url: URL, policy: Policy): Promise<[string, ...string[]]> {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    fail(METADATA_FETCH_FAILED, `Refusing to fetch metadata from ${url.protocol} URL ${url.origin}`, {
      hint: 'Use the https:// metadata URL the IdP shows (Entra ID: Single sign-on > App Federation Metadata Url).',
      received: shown(url),
    });
  }
  if (url.username !== '' || url.password !== '') {
    fail(METADATA_FETCH_FAILED, 'Refusing a metadata URL with credentials in it', { hint: urlHint(url) });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const resolved = isIP(host) === 0 ? await abortable(policy.resolve(host), policy.signal) : [host];
  // A lookup of the app's own may answer anything: keep only IP addresses.
  const answers: readonly unknown[] = Array.isArray(resolved) ? (resolved as readonly unknown[]) : [];
  const addresses = answers.filter((a): a is string => typeof a === 'string' && isIP(a) !== 0);
  const blocked = policy.allowPrivate ? undefined : addresses.find(isNonPublicAddress);
  const [first, ...rest] = addresses;
  if (first === undefined || blocked !== undefined) {
    fail(
      METADATA_FETCH_FAILED,
      `Refusing to fetch metadata from ${host}: it resolves to ${blocked ?? 'nothing'}`,
      {
        hint: 'The metadata URL must point to the IdP on the public internet. For an IdP on an internal network, the application must set allowPrivateAddresses.',
        received: blocked ?? host,
      },
    );
  }
  return [first, ...rest];
}

// IANA special-purpose address registries: not globally reachable, or not unicast.
const NON_PUBLIC_V4 =
  '0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.0.0.0/24 192.0.2.0/24 ' +
  '192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4';
// ::/96 holds :: and ::1; 6to4 and Teredo tunnel to arbitrary IPv4 addresses.
const NON_PUBLIC_V6 =
  '::/96 64:ff9b:1::/48 100::/64 2001::/32 2001:db8::/32 2002::/16 fc00::/7 fe80::/10 fec0::/10 ff00::/8';
const NON_PUBLIC = new BlockList(); // also matches IPv4-mapped IPv6 addresses against the IPv4 rules
for (const [list, family] of [
  [NON_PUBLIC_V4, 'ipv4'],
  [NON_PUBLIC_V6, 'ipv6'],
] as const) {
  for (const cidr of list.split(' ')) {
    const [network = '', bits = ''] = cidr.split('/');
    NON_PUBLIC.addSubnet(network, Number(bits), family);
  }
}
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/**
 * True for loopback, private, link-local, shared, reserved, documentation and multicast addresses,
 * IPv4 or IPv6 (including IPv4 embedded by mapping or NAT64). Exported for tests.
 *
 * @internal
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true;
  if (NAT64.check(address, 'ipv6')) {
    // The URL parser writes it canonically: 64:ff9b::, 64:ff9b::lo or 64:ff9b::hi:lo.
    const tail = new URL(`http://[${address}]`).hostname.slice('[64:ff9b::'.length, -1);
    const groups = tail === '' ? [] : tail.split(':');
    const [hi = 0, lo = 0] = (groups.length === 2 ? groups : ['0', ...groups]).map((g) =>
      Number.parseInt(g, 16),
    );
    return NON_PUBLIC.check([hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'), 'ipv4');
  }
  return NON_PUBLIC.check(address, 'ipv6');
}

function initialUrl(url: string | URL): URL {
  if (!(url instanceof URL) && typeof url !== 'string') throw new TypeError('url must be a string or URL');
  if (!URL.canParse(String(url))) throw new TypeError(`url must be an absolute URL, got ${String(url)}`);
  const parsed = new URL(String(url));
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`url must be an https: URL, got ${parsed.protocol}`);
  }
  return parsed;
}

function wholeNumber(
  value: number | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min || result > max) {
    throw new TypeError(`options.${name} must be a whole number from ${min} to ${max}`);
  }
  return result;
}

function conditionalHeaders(previous: FetchIdpMetadataOptions['previous']): Headers {
  const headers = new Headers({ accept: 'application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.1' });
  if (previous === undefined) return headers;
  try {
    if (previous.etag !== undefined) headers.set('if-none-match', previous.etag);
    if (previous.lastModified !== undefined) headers.set('if-modified-since', previous.lastModified);
  } catch (cause) {
    throw new TypeError('options.previous holds a value that is not a valid HTTP header value', { cause });
  }
  return headers;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new Error('aborted'));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}

/** The URL without query or credentials, for messages. */
const shown = (url: URL): string => `${url.origin}${url.pathname}`;

const urlHint = (url: URL): string =>
  `Check the metadata URL (${shown(url)}): opened in a browser, it must show the IdP's SAML metadata XML.`;

function fetchFailed(message: string, url: URL, cause?: unknown): never {
  fail(METADATA_FETCH_FAILED, message, {
    hint: urlHint(url),
    received: shown(url),
    ...(cause !== undefined && { cause }),
  });
}
