/**
 * An opt-in helper that downloads an IdP's metadata. The core never fetches anything (SECURITY
 * rule 7); applications that refresh IdP metadata on a schedule can use this.
 *
 * @module
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
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
 * DNS rebinding: addresses are checked by resolving the host just before each request, but
 * `fetch` resolves it again to connect, so a hostile DNS server can still answer differently the
 * second time. Where the URL comes from untrusted users, also restrict egress at the network level.
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

  const signal = AbortSignal.timeout(timeoutMs);
  let download: Download | 'not-modified';
  try {
    download = await get(start, { headers, signal, maxBytes, maxRedirects, allowHttp, allowPrivate });
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
  const metadata = parseIdpMetadata(text, { ...options, maxBytes, now });
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
}

async function get(start: URL, policy: Policy): Promise<Download | 'not-modified'> {
  const { headers, signal, maxBytes, maxRedirects } = policy;
  let url = start;
  for (let redirects = 0; ; redirects++) {
    await checkDestination(url, policy);
    const response = await fetch(url, { headers, signal, redirect: 'manual' });
    if ([301, 302, 303, 307, 308].includes(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (redirects >= maxRedirects) fetchFailed(`More than ${maxRedirects} redirects`, start);
      if (location === null || !URL.canParse(location, url.href)) {
        fetchFailed(`A redirect (HTTP ${response.status}) has no valid Location`, start);
      }
      url = new URL(location, url);
      continue;
    }
    if (response.status === 304 && (headers.has('if-none-match') || headers.has('if-modified-since'))) {
      await response.body?.cancel();
      return 'not-modified';
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      fetchFailed(`The metadata URL answered HTTP ${response.status}`, start);
    }
    const body = await readCapped(response, maxBytes);
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    return { body, ...(etag !== null && { etag }), ...(lastModified !== null && { lastModified }) };
  }
}

/** Streams the body, giving up as soon as it grows past `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): never =>
    fail('SIZE_LIMIT', `The metadata is larger than ${maxBytes} bytes`, {
      hint: 'Use the metadata URL of your application in the IdP, not a federation-wide aggregate.',
    });
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    tooLarge();
  }
  if (response.body === null) return new Uint8Array();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, total);
}

/** Scheme, then every address the host resolves to (checked again for each redirect). */
async function checkDestination(url: URL, policy: Policy): Promise<void> {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    fail(METADATA_FETCH_FAILED, `Refusing to fetch metadata from ${url.protocol} URL ${url.origin}`, {
      hint: 'Use the https:// metadata URL the IdP shows (Entra ID: Single sign-on > App Federation Metadata Url).',
      received: shown(url),
    });
  }
  if (url.username !== '' || url.password !== '') {
    fail(METADATA_FETCH_FAILED, 'Refusing a metadata URL with credentials in it', { hint: urlHint(url) });
  }
  if (policy.allowPrivate) return;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses =
    isIP(host) === 0
      ? (await abortable(lookup(host, { all: true, verbatim: true }), policy.signal)).map(
          (entry) => entry.address,
        )
      : [host];
  const blocked = addresses.find(isNonPublicAddress);
  if (addresses.length === 0 || blocked !== undefined) {
    fail(
      METADATA_FETCH_FAILED,
      `Refusing to fetch metadata from ${host}: it resolves to ${blocked ?? 'nothing'}`,
      {
        hint: 'The metadata URL must point to the IdP on the public internet. For an IdP on an internal network, the application must set allowPrivateAddresses.',
        received: blocked ?? host,
      },
    );
  }
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
