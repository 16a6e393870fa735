import { parseDecryptionKey, type DecryptionKey } from '../crypto/decrypt.js';
import { parseCertificate, parseKeyPair, type TrustedKey } from '../crypto/keys.js';
import type { SignerKey } from '../crypto/sign.js';
import { parseEmail } from '../internal/email.js';
import type {
  AttributeNames,
  EmailSource,
  IdpPresetName,
  RoleMapping,
  SigningPolicy,
  TenantConfig,
  ServiceProviderConfig,
  IdentityProviderConfig,
  SpKeyPair,
} from '../types.js';
import { isPublicEmailDomain, type PublicEmailDomains } from './domains.js';
import { IDP_PRESETS, isPresetName } from '../idp/products.js';

/** Default and maximum clock skew (docs/security.md rule 16: small and symmetric). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 120;
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** How far ahead an assertion's acceptance may end, by default: 24 hours (docs/security.md rule 24). */
export const DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS = 86_400;
/** The most `maxAssertionLifetimeSeconds` may raise it to: 30 days. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 2_592_000;
/** An IdP certificate this close to expiry gets a warning. */
export const CERTIFICATE_WARNING_DAYS = 30;

/** One problem found in a tenant configuration, with the path of the offending field. */
export interface TenantProblem {
  /** The offending field, e.g. `idp.certificates[1]` or `emailDomains[0]`; `''` for the whole configuration. */
  readonly path: string;
  /** What is wrong with it, for the admin, e.g. `must be a domain name such as example.com`. */
  readonly message: string;
  /** Errors make the configuration unusable; warnings (a certificate about to expire) do not. */
  readonly severity: 'error' | 'warning';
}

/** What the verifier and the service need from a tenant, computed once, defaults filled in. */
export interface ResolvedTenant {
  readonly config: TenantConfig;
  readonly keys: readonly TrustedKey[];
  readonly skewMs: number;
  /** The ceiling on how far ahead an assertion's acceptance may end. */
  readonly maxAssertionLifetimeMs: number;
  readonly allowIdsStartingWithDigit: boolean;
  readonly signing: SigningPolicy;
  readonly email: EmailSource;
  /** Lower-cased; empty when any domain is allowed. */
  readonly emailDomains: readonly string[];
  readonly allowSha1: boolean;
  readonly allowIdpInitiated: boolean;
  readonly preset: IdpPresetName;
  /** The preset's claim names, overridden by the tenant's `attributeNames`. */
  readonly attributeNames: AttributeNames;
  readonly enabled: boolean;
  readonly requireSso: boolean;
  /** Lower-cased domains. */
  readonly breakGlassEmails: readonly string[];
  readonly roles?: RoleMapping;
  /** Our current signing key (`sp.signing`), parsed. */
  readonly spSigning?: SignerKey;
  /** Our next signing key (`sp.nextSigning`), published in metadata only. */
  readonly spNextSigning?: SignerKey;
  /** Our decryption keys (`sp.decryption`), in order; empty when encrypted assertions are refused. */
  readonly decryptionKeys: readonly DecryptionKey[];
  readonly allowAesCbc: boolean;
  readonly requireEncryptedAssertion: boolean;
}

const SIGNING_POLICIES: readonly SigningPolicy[] = ['covered', 'assertion', 'response', 'both'];
const ATTRIBUTE_FIELDS = ['email', 'groups', 'firstName', 'lastName'];
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;
const DAY_MS = 86_400_000;

/**
 * Caps on a configuration's shape, checked before anything else walks it (docs/security.md rule 28): the
 * deepest real field is 4 levels down (`sp.decryption[0].privateKey`), and a generous tenant (ten
 * certificates, four key pairs, hundreds of role rules) stays far below the size.
 */
export const MAX_CONFIG_DEPTH = 6;
/** Characters of all keys and strings together, at most. */
export const MAX_CONFIG_CHARS = 256 * 1024;
/** Objects, arrays, keys and values together, at most. */
export const MAX_CONFIG_NODES = 5_000;

/**
 * Every field of `T`, listed: the compiler refuses a list that leaves one out, so a field added to a
 * configuration type cannot be refused here as unknown.
 */
function everyField<T>() {
  return <const Listed extends readonly (keyof T)[]>(
    fields: Listed & ([Exclude<keyof T, Listed[number]>] extends [never] ? unknown : never),
  ): Listed => fields;
}

/** The fields of each object of a configuration; anything else is an unknown field (an error). */
const TOP_FIELDS = everyField<TenantConfig>()([
  'id',
  'sp',
  'idp',
  'emailDomains',
  'allowIdpInitiated',
  'allowSha1',
  'allowRsa1024',
  'allowHttp',
  'allowAesCbc',
  'requireEncryptedAssertion',
  'clockSkewSeconds',
  'signing',
  'email',
  'attributeNames',
  'preset',
  'enabled',
  'requireSso',
  'breakGlassEmails',
  'roles',
  'sealed',
  'maxAssertionLifetimeSeconds',
  'allowIdsStartingWithDigit',
  'authnContext',
  'organization',
]);
const SP_FIELDS = everyField<ServiceProviderConfig>()([
  'entityId',
  'acsUrl',
  'sloUrl',
  'signing',
  'nextSigning',
  'decryption',
]);
const IDP_FIELDS = everyField<IdentityProviderConfig>()([
  'entityId',
  'certificates',
  'ssoUrl',
  'ssoUrls',
  'sloUrls',
  'wantAuthnRequestsSigned',
]);
const KEY_PAIR_FIELDS = everyField<SpKeyPair>()(['privateKey', 'certificate']);

/** Options of {@link resolveTenantConfig}. */
export interface ResolveOptions {
  /** A draft for setup instructions: `idp` may be missing. */
  readonly idpOptional?: boolean;
  /** Accept `sealed` (a store reading back what `sealTenantSecrets` wrote); never for admin input. */
  readonly allowSealed?: boolean;
  /** Public mailbox domains the app adds to the built-in list. */
  readonly publicEmailDomains?: PublicEmailDomains;
  /** Judge domain ownership: warn when an enabled tenant has none of these verified domains. */
  readonly verifiedDomains?: readonly string[];
}

type Problem = (path: string, message: string, severity?: TenantProblem['severity']) => void;

/**
 * Checks a configuration and, when it has no errors, resolves it. With `now`, certificates that
 * have expired are errors and ones expiring within 30 days warnings; without it, expiry is not
 * judged (see `defineTenant`).
 */
export function resolveTenantConfig(
  input: unknown,
  now: Date | undefined,
  options: ResolveOptions = {},
): { problems: TenantProblem[]; resolved?: ResolvedTenant } {
  const problems: TenantProblem[] = [];
  const problem: Problem = (path, message, severity = 'error') => {
    problems.push({ path, message, severity });
  };
  const config = record(input);
  if (config === undefined)
    return { problems: [{ path: '', message: 'must be an object', severity: 'error' }] };
  // Measured before any other walk, so that a huge or deep value costs a bounded amount of work.
  const oversize = oversized(config);
  if (oversize !== undefined) return { problems: [{ path: '', message: oversize, severity: 'error' }] };
  unknownFields(config, TOP_FIELDS, '', problem);
  if (config.sealed !== undefined && options.allowSealed !== true) {
    problem('sealed', 'is written by sealTenantSecrets inside the store; it cannot come from input');
  }

  const id = requireString(config, 'id', 'id', problem);
  const allowHttp = optionalBoolean(config, 'allowHttp', problem) ?? false;
  const requireUrl: UrlCheck = (value, path) => {
    checkUrl(value, path, allowHttp, problem);
  };
  const sp = record(config.sp);
  if (sp === undefined) problem('sp', 'must be an object with entityId and acsUrl');
  else {
    unknownFields(sp, SP_FIELDS, 'sp.', problem);
    requireString(sp, 'entityId', 'sp.entityId', problem);
    requireUrl(sp.acsUrl, 'sp.acsUrl');
    if (sp.sloUrl !== undefined) requireUrl(sp.sloUrl, 'sp.sloUrl');
  }
  const spSigning = sp && keyPair(sp, 'signing', problem);
  const spNextSigning = sp && keyPair(sp, 'nextSigning', problem);
  const allowRsa1024 = optionalBoolean(config, 'allowRsa1024', problem) ?? false;
  const decryptionKeys = sp === undefined ? [] : decryption(sp.decryption, allowRsa1024, problem);
  const allowAesCbc = optionalBoolean(config, 'allowAesCbc', problem) ?? false;
  const requireEncryptedAssertion = optionalBoolean(config, 'requireEncryptedAssertion', problem) ?? false;
  if (decryptionKeys.length === 0) {
    if (allowAesCbc) problem('allowAesCbc', 'needs sp.decryption: without a key nothing is decrypted');
    if (requireEncryptedAssertion)
      problem('requireEncryptedAssertion', 'needs sp.decryption: without a key every assertion is refused');
  }
  // Setup instructions are read before the admin has the IdP's values; nothing verifies with those.
  const skipIdp = options.idpOptional === true && config.idp === undefined;
  const keys = skipIdp ? [] : identityProvider(config.idp, { allowRsa1024, now }, requireUrl, problem);

  // `=== undefined`, not `??`: null is a mistake to report, not "the default".
  const skew = config.clockSkewSeconds === undefined ? DEFAULT_CLOCK_SKEW_SECONDS : config.clockSkewSeconds;
  if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    problem('clockSkewSeconds', `must be a whole number of seconds from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  const lifetime =
    config.maxAssertionLifetimeSeconds === undefined
      ? DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS
      : config.maxAssertionLifetimeSeconds;
  if (
    typeof lifetime !== 'number' ||
    !Number.isInteger(lifetime) ||
    lifetime < 60 ||
    lifetime > MAX_ASSERTION_LIFETIME_SECONDS
  ) {
    problem(
      'maxAssertionLifetimeSeconds',
      `must be a whole number of seconds from 60 to ${MAX_ASSERTION_LIFETIME_SECONDS}`,
    );
  }
  const allowIdsStartingWithDigit = optionalBoolean(config, 'allowIdsStartingWithDigit', problem) ?? false;
  const signing = config.signing === undefined ? 'covered' : config.signing;
  if (!SIGNING_POLICIES.includes(signing as SigningPolicy))
    problem('signing', `must be one of ${SIGNING_POLICIES.join(', ')}`);
  const preset = config.preset === undefined ? 'generic' : config.preset;
  if (!isPresetName(preset)) problem('preset', `must be one of ${Object.keys(IDP_PRESETS).join(', ')}`);
  const overrides = attributeNames(config.attributeNames, problem);
  const email =
    config.email === undefined && isPresetName(preset)
      ? (IDP_PRESETS[preset].email ?? DEFAULT_EMAIL)
      : emailSource(config.email, problem);
  const domains = emailDomains(config.emailDomains, problem);
  domains.forEach((domain, index) => {
    if (isPublicEmailDomain(domain, options.publicEmailDomains))
      problem(
        `emailDomains[${index}]`,
        `${domain} is a public mailbox domain: its users are not one organisation, so no tenant can claim it`,
      );
  });
  if (email?.from === 'none' && domains.length > 0) {
    problem('email', "{ from: 'none' } cannot be combined with emailDomains: there is no email to check");
  }
  const requireSso = optionalBoolean(config, 'requireSso', problem) ?? false;
  if (requireSso && domains.length === 0)
    problem('requireSso', 'needs emailDomains: they say whose password login is off');
  const breakGlassEmails = addresses(config.breakGlassEmails, 'breakGlassEmails', problem);
  const roles = roleMapping(config.roles, problem);
  authnContextRequirement(config.authnContext, problem);
  organization(config.organization, config.id, problem);
  const sealed = config.sealed === undefined ? {} : record(config.sealed);
  if (
    sealed === undefined ||
    Object.entries(sealed).some(
      ([field, value]) =>
        !['signing', 'nextSigning', 'decryption'].includes(field) ||
        typeof value !== 'string' ||
        !value.startsWith('samlkit-sealed:'),
    )
  ) {
    problem('sealed', 'must map field names to sealed strings (written by sealTenantSecrets)');
  }
  const allowSha1 = optionalBoolean(config, 'allowSha1', problem) ?? false;
  const allowIdpInitiated = optionalBoolean(config, 'allowIdpInitiated', problem) ?? false;
  const enabled = optionalBoolean(config, 'enabled', problem) ?? true;
  if (options.verifiedDomains !== undefined && enabled) {
    const verified = new Set(options.verifiedDomains.map((domain) => domain.toLowerCase()));
    if (!domains.some((domain) => verified.has(domain)))
      problem(
        'emailDomains',
        'no email domain of this tenant is verified: users are not routed to it by email, requireSso enforces nothing, and its emails are not trusted for account linking (docs/domains.md)',
        'warning',
      );
  }

  if (
    problems.some((p) => p.severity === 'error') ||
    id === undefined ||
    email === undefined ||
    !isPresetName(preset)
  ) {
    return { problems };
  }
  const attributes = { ...IDP_PRESETS[preset].claims, ...overrides };
  if (email.from === 'attribute' && email.name === undefined && attributes.email === undefined) {
    problem(
      'email',
      "{ from: 'attribute' } needs a name, attributeNames.email, or a preset that names the email claim",
    );
    return { problems };
  }
  return {
    problems,
    resolved: {
      config: input as TenantConfig,
      keys: Object.freeze(keys),
      skewMs: (skew as number) * 1000,
      maxAssertionLifetimeMs: (lifetime as number) * 1000,
      allowIdsStartingWithDigit,
      signing: signing as SigningPolicy,
      email,
      emailDomains: Object.freeze(domains),
      allowSha1,
      allowIdpInitiated,
      preset,
      attributeNames: Object.freeze(attributes),
      enabled,
      requireSso,
      breakGlassEmails: Object.freeze(breakGlassEmails),
      ...(roles !== undefined && { roles }),
      ...(spSigning !== undefined && { spSigning }),
      ...(spNextSigning !== undefined && { spNextSigning }),
      decryptionKeys: Object.freeze(decryptionKeys),
      allowAesCbc,
      requireEncryptedAssertion,
    },
  };
}

function identityProvider(
  value: unknown,
  options: { allowRsa1024: boolean; now: Date | undefined },
  requireUrl: UrlCheck,
  problem: Problem,
): TrustedKey[] {
  const idp = record(value);
  const keys: TrustedKey[] = [];
  if (idp === undefined) {
    problem('idp', 'must be an object with entityId and certificates');
    return keys;
  }
  unknownFields(idp, IDP_FIELDS, 'idp.', problem);
  requireString(idp, 'entityId', 'idp.entityId', problem);
  const certificates = idp.certificates;
  if (!Array.isArray(certificates) || certificates.length === 0) {
    problem(
      'idp.certificates',
      'must list at least one certificate (a tenant without a certificate accepts nothing)',
    );
  } else {
    certificates.forEach((pem: unknown, index) => {
      const path = `idp.certificates[${index}]`;
      const parsed = typeof pem === 'string' ? parseCertificate(pem, options) : 'must be a string';
      if (typeof parsed === 'string') {
        problem(path, parsed);
        return;
      }
      keys.push(parsed);
      if (options.now === undefined) return;
      const daysLeft = (parsed.expiresAt - options.now.getTime()) / DAY_MS;
      const on = new Date(parsed.expiresAt).toISOString();
      if (daysLeft <= 0)
        problem(
          path,
          `expired on ${on}; add the IdP's current signing certificate (${parsed.fingerprint} is the old one)`,
        );
      else if (daysLeft <= CERTIFICATE_WARNING_DAYS) {
        problem(path, `expires on ${on}; add the IdP's next certificate before then`, 'warning');
      }
    });
  }
  if (idp.ssoUrl !== undefined) requireUrl(idp.ssoUrl, 'idp.ssoUrl');
  for (const field of ['ssoUrls', 'sloUrls'] as const) {
    if (idp[field] === undefined) continue;
    const urls = record(idp[field]);
    if (urls === undefined) problem(`idp.${field}`, 'must be an object { redirect?, post? }');
    for (const [binding, url] of Object.entries(urls ?? {})) {
      if (binding !== 'redirect' && binding !== 'post')
        problem(`idp.${field}.${binding}`, 'is not a binding samlkit uses');
      else if (url !== undefined) requireUrl(url, `idp.${field}.${binding}`);
    }
  }
  optionalBoolean(idp, 'wantAuthnRequestsSigned', problem, 'idp.');
  return keys;
}

/** Reports every own key of `object` that is not in `known`. */
function unknownFields(
  object: Record<string, unknown>,
  known: readonly string[],
  pathPrefix: string,
  problem: Problem,
): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) problem(`${pathPrefix}${key}`, 'is not a known field');
  }
}

/**
 * Why the value is too large or too deep to be a configuration, or `undefined`. Iterative and
 * bounded: it stops at the first limit passed, whatever the input's real size.
 */
export function oversized(input: Record<string, unknown>): string | undefined {
  const stack: [unknown, number][] = [[input, 1]];
  let nodes = 0;
  let chars = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    nodes++;
    if (typeof value === 'string') chars += value.length;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_CONFIG_DEPTH) return `is nested deeper than ${MAX_CONFIG_DEPTH} levels`;
    for (const key of Object.keys(value)) {
      chars += key.length;
      if (++nodes > MAX_CONFIG_NODES) return `has more than ${MAX_CONFIG_NODES} fields and values`;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
    if (chars > MAX_CONFIG_CHARS) return `is larger than ${MAX_CONFIG_CHARS} characters`;
  }
  return chars > MAX_CONFIG_CHARS ? `is larger than ${MAX_CONFIG_CHARS} characters` : undefined;
}

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

type UrlCheck = (value: unknown, path: string) => void;

/** An absolute URL, HTTPS unless the host is loopback (a test IdP on this machine) or `allowHttp`. */
function checkUrl(value: unknown, path: string, allowHttp: boolean, problem: Problem): void {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    /\s/.test(value as string)
  ) {
    problem(path, 'must be an absolute https URL');
  } else if (
    url.protocol === 'http:' &&
    !allowHttp &&
    !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  ) {
    problem(path, 'must use https (plain http is allowed for localhost, or with allowHttp)');
  }
}

function keyPair(
  sp: Record<string, unknown>,
  key: 'signing' | 'nextSigning',
  problem: Problem,
): SignerKey | undefined {
  if (sp[key] === undefined) return undefined;
  const pair = record(sp[key]);
  if (pair !== undefined) unknownFields(pair, KEY_PAIR_FIELDS, `sp.${key}.`, problem);
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

/** `sp.decryption`: a non-empty list of RSA key pairs, each private key matching its certificate. */
function decryption(value: unknown, allowRsa1024: boolean, problem: Problem): DecryptionKey[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) {
    problem(
      'sp.decryption',
      'must be a non-empty array of { privateKey, certificate } (leave it out for none)',
    );
    return [];
  }
  const keys: DecryptionKey[] = [];
  value.forEach((entry: unknown, index) => {
    const pair = record(entry);
    if (pair !== undefined) unknownFields(pair, KEY_PAIR_FIELDS, `sp.decryption[${index}].`, problem);
    const parsed =
      pair === undefined
        ? 'must be { privateKey, certificate }'
        : parseDecryptionKey(
            { privateKey: pair.privateKey, certificate: pair.certificate },
            { allowRsa1024 },
          );
    if (typeof parsed === 'string') problem(`sp.decryption[${index}]`, parsed);
    else if (keys.some((key) => key.fingerprint === parsed.fingerprint))
      problem(`sp.decryption[${index}]`, 'repeats an earlier certificate');
    else keys.push(parsed);
  });
  return keys;
}

function attributeNames(value: unknown, problem: Problem): AttributeNames {
  if (value === undefined) return {};
  const fields = record(value);
  if (fields === undefined) {
    problem('attributeNames', 'must be an object');
    return {};
  }
  for (const [key, name] of Object.entries(fields)) {
    if (!ATTRIBUTE_FIELDS.includes(key)) problem(`attributeNames.${key}`, 'is not a known field');
    else if (typeof name !== 'string' || name === '')
      problem(`attributeNames.${key}`, 'must be a non-empty string');
  }
  return fields;
}

const DEFAULT_EMAIL: EmailSource = Object.freeze({ from: 'nameId' });

function emailSource(value: unknown, problem: Problem): EmailSource | undefined {
  if (value === undefined) return DEFAULT_EMAIL;
  const source = record(value);
  const from = source?.from;
  if (source !== undefined) {
    const known = from === 'nameId' ? ['from', 'format'] : from === 'attribute' ? ['from', 'name'] : ['from'];
    unknownFields(source, known, 'email.', problem);
  }
  if (from === 'nameId' && [undefined, 'emailAddress', 'any'].includes(source?.format as string))
    return source as EmailSource;
  if (
    from === 'attribute' &&
    (source?.name === undefined || (typeof source.name === 'string' && source.name !== ''))
  ) {
    return source as EmailSource;
  }
  if (from === 'none') return source as EmailSource;
  problem(
    'email',
    "must be { from: 'nameId', format?: 'emailAddress' | 'any' }, { from: 'attribute', name? }, or { from: 'none' }",
  );
  return undefined;
}

function emailDomains(value: unknown, problem: Problem): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem('emailDomains', 'must be an array of domain names');
    return [];
  }
  const domains = new Set<string>();
  value.forEach((domain: unknown, index) => {
    const normalised = typeof domain === 'string' ? domain.toLowerCase() : '';
    if (!DOMAIN.test(normalised))
      problem(`emailDomains[${index}]`, 'must be a domain name such as example.com (IDNs in xn-- form)');
    else domains.add(normalised);
  });
  return [...domains];
}

function addresses(value: unknown, path: string, problem: Problem): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem(path, 'must be an array of email addresses');
    return [];
  }
  return value.flatMap((entry: unknown, index) => {
    const parsed = typeof entry === 'string' ? parseEmail(entry.trim()) : undefined;
    if (parsed === undefined) problem(`${path}[${index}]`, 'must be an email address');
    return parsed === undefined ? [] : [parsed.address];
  });
}

/** A role mapping, checked on its own (at `path`); a `TypeError` lists what is wrong. */
export function checkedRoleMapping(value: unknown, path = 'roles'): RoleMapping | undefined {
  const problems: string[] = [];
  const mapping = roleMapping(value, (at, message) => problems.push(`${at}: ${message}`), path);
  if (problems.length > 0) throw new TypeError(`Invalid role mapping: ${problems.join('; ')}`);
  return mapping;
}

function roleMapping(value: unknown, problem: Problem, path = 'roles'): RoleMapping | undefined {
  if (value === undefined) return undefined;
  const mapping = record(value);
  if (mapping === undefined || !Array.isArray(mapping.rules)) {
    problem(
      path,
      'must be { rules: [{ group | groupPrefix | groupGlob, role }], defaultRole?, precedence?, caseInsensitive?, inherit? }',
    );
    return undefined;
  }
  unknownFields(
    mapping,
    ['rules', 'defaultRole', 'precedence', 'caseInsensitive', 'inherit'],
    `${path}.`,
    problem,
  );
  if (mapping.rules.length > MAX_ROLE_RULES)
    problem(`${path}.rules`, `must have at most ${MAX_ROLE_RULES} rules`);
  // Exact names are a set lookup; prefixes and globs are tried against every group of every login,
  // and any tenant's admin writes them: their number and a glob's stars are capped, so that one
  // tenant's mapping cannot hold up the service for the others (docs/security.md rule 28).
  const patterns = mapping.rules.filter(
    (rule: unknown) => record(rule)?.groupPrefix !== undefined || record(rule)?.groupGlob !== undefined,
  ).length;
  if (patterns > MAX_PATTERN_RULES)
    problem(`${path}.rules`, `must have at most ${MAX_PATTERN_RULES} groupPrefix and groupGlob rules`);
  mapping.rules.forEach((rule: unknown, index) => {
    const at = `${path}.rules[${index}]`;
    // Not an object: both fields are missing, as for an empty one.
    const fields = record(rule) ?? {};
    const [matcher, ...others] = GROUP_MATCHERS.filter((key) => fields[key] !== undefined);
    if (others.length > 0) problem(at, 'must name its groups one way: group, groupPrefix or groupGlob');
    unknownFields(fields, [matcher ?? 'group', 'role'], `${at}.`, problem);
    for (const key of [matcher ?? 'group', 'role']) {
      const field = fields[key];
      if (typeof field !== 'string' || field === '') problem(`${at}.${key}`, 'must be a non-empty string');
      else if (field.length > MAX_GROUP_PATTERN_LENGTH)
        problem(`${at}.${key}`, `must be at most ${MAX_GROUP_PATTERN_LENGTH} characters`);
      else if (key === 'groupGlob' && field.split('*').length - 1 > MAX_GLOB_STARS)
        problem(`${at}.${key}`, `must have at most ${MAX_GLOB_STARS} stars`);
    }
  });
  const defaultRole = mapping.defaultRole;
  if (defaultRole !== undefined && (typeof defaultRole !== 'string' || defaultRole === '')) {
    problem(`${path}.defaultRole`, 'must be a non-empty string');
  }
  if (mapping.precedence !== undefined && mapping.precedence !== 'all' && mapping.precedence !== 'first')
    problem(`${path}.precedence`, "must be 'all' or 'first'");
  optionalBoolean(mapping, 'caseInsensitive', problem, `${path}.`);
  optionalBoolean(mapping, 'inherit', problem, `${path}.`);
  return mapping as unknown as RoleMapping;
}

/** How a role rule may name its groups; exactly one per rule. */
const GROUP_MATCHERS = ['group', 'groupPrefix', 'groupGlob'] as const;
/** Caps that keep matching cheap whatever an admin types (docs/policies.md). */
export const MAX_ROLE_RULES = 500;
export const MAX_PATTERN_RULES = 20;
export const MAX_GLOB_STARS = 4;
export const MAX_GROUP_PATTERN_LENGTH = 256;

/** A role mapping given to the service for every tenant; a `TypeError` lists what is wrong. */
export function checkedAppRoleMapping(value: unknown, parameter: string): RoleMapping | undefined {
  const mapping = checkedRoleMapping(value, parameter);
  if (mapping?.inherit === true)
    throw new TypeError(`${parameter}.inherit: the app-wide mapping inherits nothing`);
  return mapping;
}

function organization(value: unknown, tenantId: unknown, problem: Problem): void {
  if (value === undefined) return;
  const membership = record(value);
  if (membership === undefined) {
    problem('organization', 'must be { id, label?, connections? }');
    return;
  }
  unknownFields(membership, ['id', 'label', 'connections'], 'organization.', problem);
  const text = (field: unknown, max: number): boolean =>
    typeof field === 'string' && field.trim() !== '' && field.length <= max;
  if (!text(membership.id, 256))
    problem('organization.id', 'must be a non-empty string of at most 256 characters');
  if (membership.label !== undefined && !text(membership.label, 100))
    problem('organization.label', 'must be a non-empty string of at most 100 characters');
  const connections = membership.connections;
  if (connections === undefined) return;
  if (!Array.isArray(connections) || connections.length > 20) {
    problem('organization.connections', 'must list at most 20 tenant IDs');
    return;
  }
  connections.forEach((connection: unknown, index) => {
    if (!text(connection, 256) || connection === tenantId)
      problem(`organization.connections[${index}]`, "must be another tenant's ID");
  });
}

function authnContextRequirement(value: unknown, problem: Problem): void {
  if (value === undefined) return;
  const requirement = record(value);
  const require = requirement?.require;
  if (requirement === undefined || (require !== 'mfa' && require !== 'classes')) {
    problem('authnContext', "must be { require: 'mfa' } or { require: 'classes', classes: [...] }");
    return;
  }
  unknownFields(
    requirement,
    require === 'mfa'
      ? ['require', 'sendRequestedAuthnContext']
      : ['require', 'classes', 'sendRequestedAuthnContext'],
    'authnContext.',
    problem,
  );
  optionalBoolean(requirement, 'sendRequestedAuthnContext', problem, 'authnContext.');
  if (require === 'classes') {
    const classes = requirement.classes;
    if (!Array.isArray(classes) || classes.length === 0 || classes.length > 20)
      problem('authnContext.classes', 'must list from 1 to 20 AuthnContextClassRef URIs');
    else
      classes.forEach((classRef: unknown, index) => {
        if (
          typeof classRef !== 'string' ||
          classRef.trim() === '' ||
          classRef.trim() !== classRef ||
          classRef.length > 1024
        )
          problem(
            `authnContext.classes[${index}]`,
            'must be a URI such as urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
          );
      });
  }
}
