/**
 * The shape of one IdP product's knowledge (claim names, console wording, quirks), which each
 * file of this folder fills in for one product, and what their console guides share.
 *
 * @module
 */
import type { AttributeNames, EmailSource, IdpPresetName } from '../types.js';
import type { AuthnContextKnowledge } from './authn-context.js';

/** What samlkit knows of one IdP product: the claims it sends and how it signs by default. */
export interface IdpPreset {
  /** The value of `TenantConfig.preset` that selects it. */
  readonly name: IdpPresetName;
  /** The product's name as admins know it. */
  readonly label: string;
  /** The attribute names the product uses by default (or in its documented setup). */
  readonly claims: AttributeNames;
  /** The NameID format its default setup sends. */
  readonly nameIdFormat: string;
  /** What it signs by default. */
  readonly signs: 'assertion' | 'response' | 'both';
  /** Where the email comes from when the tenant does not say. Default: an emailAddress NameID. */
  readonly email?: EmailSource;
}

/** An {@link IdpPreset} and how its admin console names each setting (for `setupInstructions`). */
export interface IdpProduct extends IdpPreset {
  /** How it says what factors were used, and where its admin requires MFA. */
  readonly authnContext: AuthnContextKnowledge;
  /** Its admin console, step by step. */
  readonly guide: ConsoleGuide;
}

export type SignedPart = IdpPreset['signs'];
export type ClaimField = keyof AttributeNames;

/** What a table row can read: the tenant's values. */
export interface Context {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly loginUrl?: string;
  readonly idpInitiated: boolean;
}

export interface FieldSpec {
  readonly field: string;
  /** `undefined` leaves the row out. */
  readonly value: (context: Context) => string | undefined;
  readonly note?: string;
}

export interface SignatureSpec {
  readonly field: string;
  readonly values: Readonly<Record<SignedPart, string>>;
  readonly note?: string;
  /** Extra notes for a choice, e.g. one the console cannot make. */
  readonly notes?: Partial<Readonly<Record<SignedPart, string>>>;
}

/** One IdP console. */
export interface ConsoleGuide {
  /** Ordered steps; the last one is "send us …". */
  readonly steps: readonly string[];
  /** SP endpoints and the like. */
  readonly fields: readonly FieldSpec[];
  /** The console's choice of what it signs. */
  readonly signatures: readonly SignatureSpec[];
  /** Where the signature algorithm is chosen, when the console lets you. */
  readonly algorithm?: { readonly field: string; readonly value: string; readonly note?: string };
  /** Where our AuthnRequest signing certificate goes, when the console checks request signatures. */
  readonly requestSigning?: {
    readonly field: string;
    readonly note: string;
    /** What to set when our requests are unsigned (Keycloak requires signatures by default). */
    readonly unsigned?: { readonly value: string; readonly note: string };
  };
  /** Where the app's own sign-in page goes (see `SetupOptions.loginUrl`). */
  readonly loginUrl?: { readonly field: string; readonly note: string };
  /** Who starts the login, when the console asks. */
  readonly initiator?: {
    readonly field: string;
    readonly idp: string;
    readonly sp: string;
    readonly note: string;
  };
  /** A step added (before the last) when the tenant refuses IdP-initiated logins. */
  readonly idpInitiatedRefused?: string;
  /** NameID settings: when the email comes from the NameID, and otherwise. */
  readonly nameId: { readonly email: readonly SetupClaim[]; readonly other: readonly SetupClaim[] };
  /** What the console calls the value of each claim, given the claim's name. */
  readonly claims: Readonly<Record<ClaimField, (name: string) => string>>;
  readonly fromIdp: readonly SetupReturnField[];
}

/** A value the admin copies from the IdP's console back to you. */
export interface SetupReturnField {
  /** The field's label in that console. */
  readonly field: string;
  /**
   * Where it goes in the {@link TenantConfig}: `idp.entityId`, `idp.ssoUrl`, `idp.certificates`,
   * or `idp` for a metadata URL or document, which `fetchIdpMetadata` / `parseIdpMetadata` turn
   * into the whole `idp` object.
   */
  readonly tenantPath: string;
  /** Where the value is in that console, or what it looks like. */
  readonly note?: string;
}

/** One claim (attribute statement, mapping or NameID setting) to configure. */
export interface SetupClaim {
  /** The claim's name as the IdP sends it, or the console's label for a NameID setting. */
  readonly claim: string;
  /** What to choose in that console as its value. */
  readonly value: string;
}

export const entityId = (c: Context): string => c.entityId;
export const acsUrl = (c: Context): string => c.acsUrl;
export const loginUrl = (c: Context): string | undefined => c.loginUrl;
export const METADATA_NOTE =
  'Instead of the other fields: it holds them all, and a metadata URL lets us follow certificate rollovers.';

export const XMLSOAP = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

export const CLAIM_FIELDS: readonly ClaimField[] = ['email', 'firstName', 'lastName', 'groups'];
