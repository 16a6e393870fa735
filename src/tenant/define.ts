import { parseCertificate, parseKeyPair, type TrustedKey } from '../crypto/keys.js';
import type { SignerKey } from '../crypto/sign.js';
import type { EmailSource, SigningPolicy, TenantConfig } from '../types.js';

/** Default and maximum clock skew (SECURITY rule 16: small and symmetric). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 120;
export const MAX_CLOCK_SKEW_SECONDS = 300;

const RESOLVED: unique symbol = Symbol('samlkit.tenant');

/** What the verifier needs from a tenant, computed once: parsed keys and defaults filled in. */
export interface ResolvedTenant {
  readonly config: TenantConfig;
  readonly keys: readonly TrustedKey[];
  readonly skewMs: number;
  readonly signing: SigningPolicy;
  readonly email: EmailSource;
  /** Lower-cased; empty when any domain is allowed. */
  readonly emailDomains: readonly string[];
  readonly allowSha1: boolean;
  readonly allowIdpInitiated: boolean;
  /** Our current signing key (`sp.signing`), parsed. */
  readonly spSigning?: SignerKey;
  /** Our next signing key (`sp.nextSigning`), published in metadata only. */
  readonly spNextSigning?: SignerKey;
}

/**
 * A validated, frozen {@link TenantConfig} whose certificates are already parsed. Make one with
 * {@link defineTenant} and keep it: verifying with it skips all per-call parsing.
 */
export type Tenant = TenantConfig & { readonly [RESOLVED]: ResolvedTenant };

/** One problem found in a tenant configuration, with the path of the offending field. */
export interface TenantProblem {
  readonly path: string;
  readonly message: string;
}

const SIGNING_POLICIES: readonly SigningPolicy[] = ['covered', 'assertion', 'response', 'both'];
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Checks a tenant configuration and reports every problem at once, each with its path.
 * An empty array means the configuration is valid.
 *
 * @example
 * ```ts
 * const problems = validateTenantConfig(JSON.parse(row.config));
 * if (problems.length) return res.status(400).json({ problems });
 * ```
 */
export function validateTenantConfig(config: unknown): TenantProblem[] {
  return resolve(config).problems;
}

/**
 * Validates a tenant configuration, parses its IdP certificates once and returns it frozen.
 * Throws a `TypeError` listing every problem when the configuration is invalid.
 *
 * @example
 * ```ts
 * const tenant = defineTenant({
 *   id: 'acme',
 *   sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
 *   idp: { entityId: 'https://sts.windows.net/…/', certificates: [pem] },
 * });
 * ```
 */
export function defineTenant(config: TenantConfig): Tenant {
  if (isTenant(config)) return config;
  // Resolve a copy, so that nothing the caller still holds can change what verifies.
  let tenant: TenantConfig;
  try {
    tenant = structuredClone(config);
  } catch (cause) {
    throw new TypeError(
      'Invalid tenant configuration: it must be plain data (no functions or class instances)',
      { cause },
    );
  }
  const { problems, resolved } = resolve(tenant);
  if (resolved === undefined) {
    throw new TypeError(
      `Invalid tenant configuration:\n${problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n')}`,
    );
  }
  Object.defineProperty(tenant, RESOLVED, { value: Object.freeze(resolved), enumerable: false });
  return deepFreeze(tenant) as Tenant;
}

/** The verifier's view of a tenant; validates and parses a plain configuration on the way. */
export function resolvedTenant(tenant: TenantConfig): ResolvedTenant {
  return defineTenant(tenant)[RESOLVED];
}

function isTenant(config: TenantConfig): config is Tenant {
  return Object.prototype.hasOwnProperty.call(config, RESOLVED);
}

function resolve(input: unknown): { problems: TenantProblem[]; resolved?: ResolvedTenant } {
  const problems: TenantProblem[] = [];
  const problem = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const config = record(input);
  if (config === undefined) return { problems: [{ path: '', message: 'must be an object' }] };

  const id = requireString(config, 'id', 'id', problem);
  const sp = record(config.sp);
  const idp = record(config.idp);
  if (sp === undefined) problem('sp', 'must be an object with entityId and acsUrl');
  else {
    requireString(sp, 'entityId', 'sp.entityId', problem);
    const acsUrl = requireString(sp, 'acsUrl', 'sp.acsUrl', problem);
    if (acsUrl !== undefined && !isHttpUrl(acsUrl)) problem('sp.acsUrl', 'must be an absolute http(s) URL');
  }
  const spSigning = sp === undefined ? undefined : keyPair(sp, 'signing', problem);
  const spNextSigning = sp === undefined ? undefined : keyPair(sp, 'nextSigning', problem);
  const allowRsa1024 = optionalBoolean(config, 'allowRsa1024', problem) ?? false;
  const keys: TrustedKey[] = [];
  if (idp === undefined) problem('idp', 'must be an object with entityId and certificates');
  else {
    requireString(idp, 'entityId', 'idp.entityId', problem);
    const certificates = idp.certificates;
    if (!Array.isArray(certificates) || certificates.length === 0) {
      problem(
        'idp.certificates',
        'must list at least one certificate (a tenant without a certificate accepts nothing)',
      );
    } else {
      certificates.forEach((pem: unknown, index) => {
        const parsed = typeof pem === 'string' ? parseCertificate(pem, { allowRsa1024 }) : 'must be a string';
        if (typeof parsed === 'string') problem(`idp.certificates[${index}]`, parsed);
        else keys.push(parsed);
      });
    }
    optionalUrl(idp.ssoUrl, 'idp.ssoUrl', problem);
    const ssoUrls = idp.ssoUrls;
    if (ssoUrls !== undefined) {
      const urls = record(ssoUrls);
      if (urls === undefined) problem('idp.ssoUrls', 'must be an object { redirect?, post? }');
      else {
        for (const [binding, url] of Object.entries(urls)) {
          if (binding !== 'redirect' && binding !== 'post')
            problem(`idp.ssoUrls.${binding}`, 'is not a binding samlkit uses');
          else optionalUrl(url, `idp.ssoUrls.${binding}`, problem);
        }
      }
    }
    optionalBoolean(idp, 'wantAuthnRequestsSigned', problem, 'idp.');
  }

  const skew = config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    problem('clockSkewSeconds', `must be a whole number of seconds from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  const signing = config.signing ?? 'covered';
  if (!SIGNING_POLICIES.includes(signing as SigningPolicy)) {
    problem('signing', `must be one of ${SIGNING_POLICIES.join(', ')}`);
  }
  const email = emailSource(config.email, problem);
  const domains = emailDomains(config.emailDomains, problem);
  if (email?.from === 'none' && domains.size > 0) {
    problem('email', "{ from: 'none' } cannot be combined with emailDomains: there is no email to check");
  }
  const names = config.attributeNames;
  if (names !== undefined) {
    const fields = record(names);
    if (fields === undefined) problem('attributeNames', 'must be an object');
    else {
      for (const [key, value] of Object.entries(fields)) {
        if (!['groups', 'firstName', 'lastName'].includes(key))
          problem(`attributeNames.${key}`, 'is not a known field');
        else if (typeof value !== 'string' || value === '')
          problem(`attributeNames.${key}`, 'must be a non-empty string');
      }
    }
  }
  const allowSha1 = optionalBoolean(config, 'allowSha1', problem) ?? false;
  const allowIdpInitiated = optionalBoolean(config, 'allowIdpInitiated', problem) ?? false;

  if (problems.length > 0 || id === undefined || email === undefined) return { problems };
  return {
    problems,
    resolved: {
      config: input as TenantConfig,
      keys: Object.freeze(keys),
      skewMs: (skew as number) * 1000,
      signing: signing as SigningPolicy,
      email,
      emailDomains: Object.freeze([...domains]),
      allowSha1,
      allowIdpInitiated,
      ...(spSigning !== undefined && { spSigning }),
      ...(spNextSigning !== undefined && { spNextSigning }),
    },
  };
}

type Problem = (path: string, message: string) => void;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function requireString(
  object: Record<string, unknown>,
  key: string,
  path: string,
  problem: Problem,
): string | undefined {
  const value = object[key];
  if (typeof value !== 'string' || value.trim() === '') {
    problem(path, 'must be a non-empty string');
    return undefined;
  }
  if (value !== value.trim()) problem(path, 'must not start or end with white space');
  return value;
}

function optionalBoolean(
  object: Record<string, unknown>,
  key: string,
  problem: Problem,
  pathPrefix = '',
): boolean | undefined {
  const value = object[key];
  if (value !== undefined && typeof value !== 'boolean')
    problem(`${pathPrefix}${key}`, 'must be true or false');
  return typeof value === 'boolean' ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^\s/]+[^\s]*$/.test(value) && URL.canParse(value);
}

function optionalUrl(value: unknown, path: string, problem: Problem): void {
  if (value !== undefined && (typeof value !== 'string' || !isHttpUrl(value))) {
    problem(path, 'must be an absolute http(s) URL');
  }
}

function keyPair(
  sp: Record<string, unknown>,
  key: 'signing' | 'nextSigning',
  problem: Problem,
): SignerKey | undefined {
  if (sp[key] === undefined) return undefined;
  const pair = record(sp[key]);
  const parsed =
    pair === undefined
      ? 'must be { privateKey, certificate }'
      : parseKeyPair({ privateKey: pair.privateKey, certificate: pair.certificate });
  if (typeof parsed === 'string') {
    problem(`sp.${key}`, parsed);
    return undefined;
  }
  return parsed;
}

function emailSource(value: unknown, problem: Problem): EmailSource | undefined {
  if (value === undefined) return Object.freeze({ from: 'nameId' });
  const source = record(value);
  if (
    source?.from === 'nameId' &&
    (source.format === undefined || source.format === 'emailAddress' || source.format === 'any')
  ) {
    return source as EmailSource;
  }
  if (source?.from === 'attribute' && typeof source.name === 'string' && source.name !== '')
    return source as EmailSource;
  if (source?.from === 'none') return source as EmailSource;
  problem(
    'email',
    "must be { from: 'nameId', format?: 'emailAddress' | 'any' }, { from: 'attribute', name }, or { from: 'none' }",
  );
  return undefined;
}

function emailDomains(value: unknown, problem: Problem): Set<string> {
  const domains = new Set<string>();
  if (value === undefined) return domains;
  if (!Array.isArray(value)) {
    problem('emailDomains', 'must be an array of domain names');
    return domains;
  }
  value.forEach((domain: unknown, index) => {
    const normalised = typeof domain === 'string' ? domain.toLowerCase() : '';
    if (!DOMAIN.test(normalised))
      problem(`emailDomains[${index}]`, 'must be a domain name such as example.com');
    else domains.add(normalised);
  });
  return domains;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
