/**
 * What an organisation's admin pastes into the setup page, read into IdP settings: manual fields
 * (entity ID, sign-on URL, certificates pasted as PEM, bare base64, with CRLF, or several), a
 * metadata document, or a metadata URL. Every problem is reported with the field it is in and a
 * hint that says what to paste instead: a URL in the XML box is not "malformed XML".
 *
 * @module
 */
import { currentTime } from '../internal/time.js';
import { X509Certificate } from 'node:crypto';
import { SamlError, type SamlErrorCode } from '../errors.js';
import { parseIdpMetadata, type IdpMetadata } from '../metadata/idp.js';
import type { IdpSettings } from '../store/setup-record.js';
import { isPresetName } from '../idp/products.js';
import type { Clock, IdpPresetName } from '../types.js';
import { isWellFormed } from '../internal/text.js';

/** How the admin gives the IdP's values: one tab of the setup page each. */
export type IdpInput =
  | {
      /** Typed in field by field. */
      readonly kind: 'manual';
      /** The IdP's entity ID (Issuer). */
      readonly entityId: unknown;
      /** The IdP's sign-on URL (SingleSignOnService, HTTP-Redirect binding). */
      readonly ssoUrl: unknown;
      /** One or more certificates: PEM, or bare base64 (one per paragraph), any line endings. */
      readonly certificates: unknown;
      /** The IdP product, for its claim names and console wording. */
      readonly preset?: unknown;
    }
  | {
      /** The IdP's metadata document, pasted. */
      readonly kind: 'metadataXml';
      /** The XML. */
      readonly xml: unknown;
      /** The IdP product. */
      readonly preset?: unknown;
    }
  | {
      /** The address of the IdP's metadata, downloaded by the `fetchMetadata` the app gives. */
      readonly kind: 'metadataUrl';
      /** The URL. */
      readonly url: unknown;
      /** The IdP product. */
      readonly preset?: unknown;
    };

/** One thing wrong with what the admin entered or with the draft it makes. */
export interface SetupProblem {
  /** Where: an input field (`certificates`, `xml`, `url`, …) or a configuration path (`idp.ssoUrl`). */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** What to change, for the admin. */
  readonly hint: string;
  /** `error` blocks saving; `warning` does not. */
  readonly severity: 'error' | 'warning';
  /** The SamlError code behind it, when there is one. */
  readonly code?: SamlErrorCode;
}

/** Downloads and parses metadata: `fetchIdpMetadata` of `samlkit/fetch`, or the app's own. */
export type MetadataFetcher = (url: string) => Promise<IdpMetadata>;

/** What {@link readIdpInput} made of the input. */
export interface ReadIdpInput {
  /** The IdP settings, when the input held them (even with warnings). */
  readonly settings?: IdpSettings;
  /** The metadata URL they came from. */
  readonly metadataUrl?: string;
  /** Every problem found; none with `severity: 'error'` when `settings` is set. */
  readonly problems: readonly SetupProblem[];
}

/** What {@link readCertificates} made of the pasted text. */
export interface ReadCertificates {
  /** The certificates, as PEM. */
  readonly certificates: readonly string[];
  /** A problem for each pasted block that is not a usable certificate (or for nothing pasted). */
  readonly problems: readonly SetupProblem[];
}

/** Largest field accepted (a URL, an entity ID, pasted certificates), in characters. */
const MAX_FIELD = 64 * 1024;

/** Largest pasted metadata document accepted, in characters (parseIdpMetadata's own cap is 1 MiB). */
const MAX_XML = 16 * MAX_FIELD;

/** Most certificates accepted in one paste: an IdP publishes one or two (three during a rollover). */
const MAX_CERTIFICATES = 10;

/**
 * Reads what the admin entered into IdP settings, never throwing for what they typed: every
 * problem comes back with its field and a hint (a URL pasted into the XML box, XML or a private key
 * in the certificate box, a certificate that does not parse or has expired).
 *
 * @param input - The tab the admin used and its fields: any values (they come from a form).
 * @param options - `fetchMetadata` for `metadataUrl` (`fetchIdpMetadata` of `samlkit/fetch`, which
 *   refuses private addresses: SSRF); `now` for certificate expiry.
 * @example
 * ```ts
 * const read = await readIdpInput({ kind: 'metadataXml', xml: req.body.xml });
 * for (const problem of read.problems) console.log(problem.path, problem.message, problem.hint);
 * ```
 * @see SAML 2.0 metadata §2.4.3 (IDPSSODescriptor) and §2.4.1.1 (KeyDescriptor).
 */
export async function readIdpInput(
  input: IdpInput,
  options: { readonly fetchMetadata?: MetadataFetcher; readonly now?: Clock } = {},
): Promise<ReadIdpInput> {
  const problems: SetupProblem[] = [];
  // A form may post anything, the tab included: what is not one of the three tabs is a problem too.
  if (typeof (input as unknown) !== 'object' || (input as unknown) === null) {
    return done(undefined, [error('kind', 'No IdP settings were sent.', CHOOSE_TAB)]);
  }
  const preset = presetOf(input.preset, problems);
  const withPreset = (settings: IdpSettings): IdpSettings =>
    preset === undefined ? settings : { ...settings, preset };
  const now = currentTime(options.now, 'options.now');
  switch (input.kind) {
    case 'manual': {
      const settings = manual(input, problems, now);
      return done(settings === undefined ? undefined : withPreset(settings), problems);
    }
    case 'metadataXml': {
      const xml = text(input.xml, 'xml', problems, { multiline: true, max: MAX_XML });
      if (xml === undefined) return done(undefined, problems);
      const kind = looksLike(xml);
      if (xml === '') problems.push(error('xml', 'Nothing was pasted.', PASTE_XML));
      else if (kind === 'url')
        problems.push(
          error(
            'xml',
            'This is a URL, not a metadata document.',
            'Use the "Metadata URL" tab for a URL, or open the URL in a browser and paste the XML it shows here.',
          ),
        );
      else if (kind === 'certificate')
        problems.push(
          error(
            'xml',
            'This is a certificate, not a metadata document.',
            'Use the "Enter manually" tab to paste a certificate with the entity ID and sign-on URL, or paste the IdP\u2019s whole metadata XML here.',
          ),
        );
      else if (kind !== 'xml') problems.push(error('xml', 'This is not XML.', PASTE_XML));
      if (problems.some((p) => p.severity === 'error')) return done(undefined, problems);
      try {
        return done(withPreset(settingsOf(parseIdpMetadata(xml, { now: () => now }))), problems);
      } catch (caught) {
        if (!(caught instanceof SamlError)) throw caught;
        problems.push(fromSamlError('xml', 'The metadata could not be read.', caught));
        return done(undefined, problems);
      }
    }
    case 'metadataUrl': {
      // Lines are let through here only so that a pasted document is named as one below.
      const url = text(input.url, 'url', problems, { multiline: true });
      if (url === undefined) return done(undefined, problems);
      const kind = looksLike(url);
      if (url === '') problems.push(error('url', 'No URL was entered.', ENTER_URL));
      else if (kind === 'xml')
        problems.push(
          error(
            'url',
            'This is an XML document, not a URL.',
            'Use the "Metadata XML" tab to paste the document.',
          ),
        );
      else if (kind !== 'url' || /\s/.test(url) || !URL.canParse(url))
        problems.push(error('url', 'This is not an https:// URL.', ENTER_URL));
      else if (options.fetchMetadata === undefined)
        problems.push(
          error(
            'url',
            'This application cannot download metadata.',
            'Use the "Metadata XML" tab: open the URL in a browser and paste the XML it shows.',
          ),
        );
      if (problems.some((p) => p.severity === 'error') || options.fetchMetadata === undefined)
        return done(undefined, problems);
      try {
        return done(withPreset(settingsOf(await options.fetchMetadata(url))), problems, url);
      } catch (caught) {
        if (!(caught instanceof SamlError)) throw caught;
        problems.push(fromSamlError('url', 'The metadata could not be downloaded.', caught));
        return done(undefined, problems);
      }
    }
    default:
      return done(undefined, [error('kind', 'These are not IdP settings of a known kind.', CHOOSE_TAB)]);
  }
}

/**
 * Reads pasted certificates: PEM blocks (any line endings, any text around them), or bare base64
 * with one certificate per paragraph. Each one is parsed; the result is PEM.
 *
 * @param pasted - What the admin pasted: any value.
 * @returns The certificates as PEM, and a problem for each that is not a certificate.
 * @example
 * ```ts
 * const { certificates, problems } = readCertificates(form.certificates);
 * ```
 */
export function readCertificates(pasted: unknown, options: { readonly now?: Clock } = {}): ReadCertificates {
  const now = currentTime(options.now, 'options.now');
  const problems: SetupProblem[] = [];
  const all = text(pasted, 'certificates', problems, { multiline: true })?.replace(/\r\n?/g, '\n');
  if (all === undefined) return { certificates: [], problems };
  if (all === '') {
    problems.push(error('certificates', 'No certificate was pasted.', PASTE_CERTIFICATE));
    return { certificates: [], problems };
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(all)) {
    problems.push(
      error(
        'certificates',
        'This is a private key, not a certificate.',
        'Never share the IdP\u2019s private key: delete it where you pasted it, and paste the signing certificate (-----BEGIN CERTIFICATE-----) instead.',
      ),
    );
    return { certificates: [], problems };
  }
  if (all.trimStart().startsWith('<')) {
    problems.push(
      error(
        'certificates',
        'This is XML, not a certificate.',
        'Paste the IdP\u2019s whole metadata into the "Metadata XML" tab instead; it holds the certificate.',
      ),
    );
    return { certificates: [], problems };
  }
  const blocks = [...all.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(
    (match) => match[1] ?? '',
  );
  const bodies = (blocks.length > 0 ? blocks : all.split(/\n\s*\n|,/)).filter((body) => /\S/.test(body));
  if (bodies.length > MAX_CERTIFICATES) {
    problems.push(
      error(
        'certificates',
        `More than ${MAX_CERTIFICATES} certificates were pasted.`,
        'Paste only the IdP\u2019s signing certificates: usually one, two while it rolls over to a new one.',
      ),
    );
    return { certificates: [], problems };
  }
  const certificates: string[] = [];
  bodies.forEach((body, index) => {
    const base64 = body.replace(/\s+/g, '');
    if (base64 === '') return;
    const path = bodies.length > 1 ? `certificates[${index}]` : 'certificates';
    let x509: X509Certificate;
    try {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error('not base64');
      x509 = new X509Certificate(Buffer.from(base64, 'base64'));
    } catch {
      problems.push(error(path, 'This is not an X.509 certificate.', PASTE_CERTIFICATE));
      return;
    }
    if (Date.parse(x509.validTo) <= now.getTime()) {
      problems.push(
        error(
          path,
          `This certificate expired on ${new Date(x509.validTo).toISOString().slice(0, 10)}.`,
          'Create a new signing certificate in the IdP (make it active), then paste that one.',
        ),
      );
      return;
    }
    const lines = base64.match(/.{1,64}/g) ?? [];
    certificates.push(`-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`);
  });
  if (certificates.length === 0 && problems.length === 0)
    problems.push(error('certificates', 'No certificate was pasted.', PASTE_CERTIFICATE));
  return { certificates: [...new Set(certificates)], problems };
}

const PASTE_XML =
  'Paste the IdP\u2019s SAML metadata: an XML document that starts with <EntityDescriptor (or <?xml). Most consoles offer it as "Federation metadata XML", "IdP metadata" or a download.';
const ENTER_URL =
  'Enter the https:// address of the IdP\u2019s metadata, e.g. Entra ID\u2019s "App Federation Metadata Url" or Okta\u2019s "Metadata URL".';
const CHOOSE_TAB =
  'Give the IdP settings one way: its metadata URL, its metadata XML, or the entity ID, sign-on URL and certificate by hand.';

const PASTE_CERTIFICATE =
  'Paste the IdP\u2019s signing certificate: the text between (and including) -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----, or the bare base64 (one certificate per paragraph). Entra ID calls it "Certificate (Base64)", Okta "X.509 Certificate".';

function manual(
  input: Extract<IdpInput, { kind: 'manual' }>,
  problems: SetupProblem[],
  now: Date,
): IdpSettings | undefined {
  const entityId = text(input.entityId, 'entityId', problems);
  const ssoUrl = text(input.ssoUrl, 'ssoUrl', problems);
  if (entityId === '')
    problems.push(
      error(
        'entityId',
        'The IdP entity ID is missing.',
        'Copy the IdP\u2019s entity ID (Entra ID: "Microsoft Entra Identifier"; Okta: "Identity Provider Issuer").',
      ),
    );
  if (ssoUrl !== undefined && (ssoUrl === '' || !URL.canParse(ssoUrl)))
    problems.push(
      error(
        'ssoUrl',
        ssoUrl === '' ? 'The sign-on URL is missing.' : 'The sign-on URL is not a URL.',
        'Copy the IdP\u2019s SAML sign-on URL (Entra ID: "Login URL"; Okta: "Identity Provider Single Sign-On URL"): an https:// address.',
      ),
    );
  const { certificates, problems: certificateProblems } = readCertificates(input.certificates, {
    now: () => now,
  });
  problems.push(...certificateProblems);
  if (problems.some((p) => p.severity === 'error')) return undefined;
  if (entityId === undefined || ssoUrl === undefined) return undefined;
  return { idp: { entityId, ssoUrl, certificates } };
}

function settingsOf(metadata: IdpMetadata): IdpSettings {
  const { idp } = metadata;
  return {
    idp: {
      entityId: idp.entityId,
      certificates: idp.certificates,
      ...(idp.ssoUrl !== undefined && { ssoUrl: idp.ssoUrl }),
      ...(idp.ssoUrls !== undefined && { ssoUrls: idp.ssoUrls }),
      ...(idp.wantAuthnRequestsSigned && { wantAuthnRequestsSigned: true }),
    },
  };
}

function presetOf(value: unknown, problems: SetupProblem[]): IdpPresetName | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && isPresetName(value)) return value;
  problems.push(
    error(
      'preset',
      'This IdP product is not one samlkit knows.',
      'Choose the IdP from the list, or "Other SAML IdP".',
    ),
  );
  return undefined;
}

/** What a pasted value looks like, before any parser sees it. */
function looksLike(value: string): 'url' | 'xml' | 'certificate' | 'other' {
  if (/^https?:\/\/\S+$/i.test(value)) return 'url';
  if (value.startsWith('<')) return 'xml';
  if (value.includes('-----BEGIN ')) return 'certificate';
  return 'other';
}

// Characters no one types into these fields: control characters (line breaks allowed only where a
// paste has lines) and unpaired surrogates, which no store can keep the same (PostgreSQL refuses
// them) and no IdP sends.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * A form value as trimmed text; anything but a string is empty. Text longer than `max`, or with
 * characters no one types, is a problem on `path` and `undefined`: refused whole, never cut short.
 */
function text(
  value: unknown,
  path: string,
  problems: SetupProblem[],
  options: { readonly multiline?: boolean; readonly max?: number } = {},
): string | undefined {
  if (typeof value !== 'string') return '';
  const trimmed = value.replace(/^\uFEFF/, '').trim();
  const max = options.max ?? MAX_FIELD;
  if (trimmed.length > max) {
    problems.push(
      error(path, `This is longer than ${max} characters.`, 'Paste only the value the field asks for.'),
    );
    return undefined;
  }
  if ((options.multiline === true ? CONTROL_BUT_LINES : CONTROL).test(trimmed) || !isWellFormed(trimmed)) {
    problems.push(
      error(
        path,
        'This holds characters that are not text.',
        'Copy the value again from the IdP\u2019s console and paste it as plain text.',
      ),
    );
    return undefined;
  }
  return trimmed;
}

function done(
  settings: IdpSettings | undefined,
  problems: SetupProblem[],
  metadataUrl?: string,
): ReadIdpInput {
  if (settings === undefined || problems.some((p) => p.severity === 'error')) return { problems };
  return { settings, ...(metadataUrl !== undefined && { metadataUrl }), problems };
}

function error(path: string, message: string, hint: string): SetupProblem {
  return { path, message, hint, severity: 'error' };
}

function fromSamlError(path: string, message: string, caught: SamlError): SetupProblem {
  return {
    path,
    message: `${message} ${caught.message}.`,
    hint: caught.hint,
    severity: 'error',
    code: caught.code,
  };
}
