/**
 * Setup instructions per IdP console: what an admin enters in the IdP, under the names that console
 * uses, and what to send back. Each product's file holds its console's table (`guide`);
 * `setupInstructions` fills in the tenant's values.
 *
 * @module
 */
import { deepFreeze } from '../internal/freeze.js';
import type { AttributeNames, EmailSource, IdpPresetName, SigningPolicy } from '../types.js';
import { resolvedDraft, type Tenant, type TenantDraft } from '../tenant/define.js';
import { GENERIC_NAMES } from './generic.js';
import {
  CLAIM_FIELDS,
  loginUrl,
  type Context,
  type SetupClaim,
  type SetupReturnField,
  type SignedPart,
} from './product.js';
import { IDP_PRODUCTS, isPresetName } from './products.js';

/** A value the admin enters in the IdP's console. */
export interface SetupField {
  /** The field's label in that console. */
  readonly field: string;
  /** What to enter: one of our values (a URL, our certificate as PEM) or a choice of that console. */
  readonly value: string;
  /** Where the field is, or what to watch out for. */
  readonly note?: string;
}

/** What {@link setupInstructions} returns: data for an admin UI, and the same as plain text. */
export interface SetupInstructions {
  /** The console described: the `preset` argument, or the tenant's preset. */
  readonly preset: IdpPresetName;
  /** That product's name as admins know it, e.g. `'Okta'`. */
  readonly idpLabel: string;
  /** Short ordered steps. */
  readonly steps: readonly string[];
  /** Values to enter in the IdP's console. */
  readonly toIdp: readonly SetupField[];
  /** Values to copy from the IdP's console into the tenant. */
  readonly fromIdp: readonly SetupReturnField[];
  /** The NameID and attributes the IdP must send. */
  readonly claims: readonly SetupClaim[];
  /** Everything above as plain text, for an email or a ticket. */
  readonly text: string;
}

/** Options of {@link setupInstructions}. */
export interface SetupOptions {
  /**
   * The page of your app that starts a login for this tenant (SP-initiated). Consoles that launch
   * the app from a portal (Entra ID's "Sign on URL", OneLogin's "Login URL") send users there.
   */
  readonly loginUrl?: string;
}

/**
 * What an admin enters in their IdP's console for this tenant, field by field under the names that
 * console uses, and what to send back: as data for an admin UI and as plain text for an email.
 *
 * The claim names are the ones this tenant reads (its `attributeNames` over its preset's claims),
 * so following the instructions yields a working login. `preset` chooses only the console (it
 * defaults to the tenant's); to change the claim names, change the tenant's preset. With
 * `sp.signing`, the instructions include uploading our signing certificate where the console checks
 * AuthnRequest signatures.
 *
 * @param tenant - A tenant from `defineTenant`, or a plain configuration, which is validated; its
 *   `idp` may still be missing (the admin reads these instructions before having the IdP's values).
 * @param preset - The IdP console to describe. Default: the tenant's preset.
 * @param options - The app's sign-in page for this tenant.
 * @throws TypeError for an invalid tenant, an unknown preset or an invalid `loginUrl`.
 *
 * @example
 * ```ts
 * const setup = setupInstructions(tenant, 'okta');
 * setup.toIdp; // [{ field: 'Single sign-on URL', value: 'https://app.example.com/saml/acme/acs' }, …]
 * setup.fromIdp; // [{ field: 'Identity Provider Issuer', tenantPath: 'idp.entityId', … }, …]
 * await sendMail(admin, 'Set up single sign-on', setup.text);
 * ```
 * @see SAML 2.0 metadata §2.4.4 (SPSSODescriptor: the entity ID and ACS the IdP must know) and
 *   SAML 2.0 profiles §4.1 (Web Browser SSO).
 */
export function setupInstructions(
  tenant: TenantDraft | Tenant,
  preset?: IdpPresetName,
  options: SetupOptions = {},
): SetupInstructions {
  const resolved = resolvedDraft(tenant);
  const name = preset ?? resolved.preset;
  if (!isPresetName(name)) {
    throw new TypeError(`preset must be one of ${Object.keys(IDP_PRODUCTS).join(', ')}`);
  }
  const config = resolved.config;
  if (options.loginUrl !== undefined) checkLoginUrl(options.loginUrl, config.allowHttp === true);
  const guide = IDP_PRODUCTS[name].guide;
  const context: Context = {
    entityId: config.sp.entityId,
    acsUrl: config.sp.acsUrl,
    ...(options.loginUrl !== undefined && { loginUrl: options.loginUrl }),
    idpInitiated: resolved.allowIdpInitiated,
  };
  const signed = signedPart(resolved.signing, IDP_PRODUCTS[name].signs);

  const toIdp: SetupField[] = [];
  const add = (field: string, value: string | undefined, note?: string): void => {
    if (value !== undefined) toIdp.push(note === undefined ? { field, value } : { field, value, note });
  };
  for (const spec of guide.fields) add(spec.field, spec.value(context), spec.note);
  if (guide.loginUrl !== undefined) add(guide.loginUrl.field, loginUrl(context), guide.loginUrl.note);
  if (guide.initiator !== undefined) {
    const { field, idp, sp, note } = guide.initiator;
    add(field, context.idpInitiated ? idp : sp, note);
  }
  for (const spec of guide.signatures) {
    add(
      spec.field,
      spec.values[signed],
      [spec.note, spec.notes?.[signed]].filter(Boolean).join(' ') || undefined,
    );
  }
  if (guide.algorithm !== undefined) add(guide.algorithm.field, guide.algorithm.value, guide.algorithm.note);
  const certificate = config.sp.signing?.certificate;
  if (guide.requestSigning !== undefined) {
    const { field, note, unsigned } = guide.requestSigning;
    if (certificate !== undefined) add(field, certificate.trim(), note);
    else if (unsigned !== undefined) add(field, unsigned.value, unsigned.note);
  }

  const steps = [...guide.steps];
  const extra: string[] = [];
  if (!context.idpInitiated && guide.idpInitiatedRefused !== undefined && context.loginUrl === undefined) {
    extra.push(guide.idpInitiatedRefused);
  }
  if (certificate !== undefined && guide.requestSigning === undefined) {
    extra.push(
      `${IDP_PRODUCTS[name].label} has no setting for AuthnRequest signatures: there is no certificate of ours to upload.`,
    );
  }
  steps.splice(steps.length - 1, 0, ...extra);

  const names = claimNames(resolved.attributeNames, resolved.email, resolved.preset);
  const claims: SetupClaim[] = [
    ...(resolved.email.from === 'nameId' ? guide.nameId.email : guide.nameId.other),
    ...CLAIM_FIELDS.flatMap((field) => {
      const claim = names[field];
      return claim === undefined ? [] : [{ claim, value: guide.claims[field](claim) }];
    }),
  ];

  const label = IDP_PRODUCTS[name].label;
  const result = {
    preset: name,
    idpLabel: label,
    steps,
    toIdp,
    fromIdp: [...guide.fromIdp],
    claims,
  };
  return deepFreeze({ ...result, text: render(config.id, result) });
}

/** What must be signed: the tenant's policy, met the way the IdP does it by default when it can. */
function signedPart(policy: SigningPolicy, idpDefault: SignedPart): SignedPart {
  if (policy === 'covered' || policy === idpDefault || idpDefault === 'both') return idpDefault;
  return policy;
}

/** The names this tenant reads; for an unnamed field of a generic tenant, the well-known name. */
function claimNames(names: AttributeNames, email: EmailSource, preset: IdpPresetName): AttributeNames {
  const emailName = email.from === 'attribute' && email.name !== undefined ? email.name : names.email;
  return {
    ...(preset === 'generic' ? GENERIC_NAMES : {}),
    ...names,
    ...(emailName !== undefined && { email: emailName }),
  };
}

function checkLoginUrl(value: unknown, allowHttp: boolean): void {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  const loopback = url !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url?.protocol !== 'https:' && !(url?.protocol === 'http:' && (allowHttp || loopback))) {
    throw new TypeError('options.loginUrl must be an absolute https URL');
  }
}

function render(tenantId: string, setup: Omit<SetupInstructions, 'text'>): string {
  const lines = [
    `SAML single sign-on with ${setup.idpLabel} for ${tenantId}`,
    '',
    'Steps',
    ...setup.steps.map((step, index) => `${index + 1}. ${step}`),
    '',
    `Enter in ${setup.idpLabel}`,
    ...setup.toIdp.flatMap(({ field, value, note }) => [
      // A multi-line value (a certificate) starts on its own line, unindented, to copy as is.
      value.includes('\n') ? `- ${field}:\n${value}` : `- ${field}: ${value}`,
      ...(note === undefined ? [] : [`    ${note}`]),
    ]),
    '',
    'Claims (NameID and attributes)',
    ...setup.claims.map(({ claim, value }) => `- ${claim}: ${value}`),
    '',
    'Send us',
    ...setup.fromIdp.flatMap(({ field, note }) => [
      `- ${field}`,
      ...(note === undefined ? [] : [`    ${note}`]),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
