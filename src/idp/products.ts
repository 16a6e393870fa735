/**
 * Every IdP product samlkit knows, by `TenantConfig.preset`.
 *
 * @module
 */
import { deepFreeze } from '../internal/freeze.js';
import type { IdpPresetName } from '../types.js';
import { azure } from './azure.js';
import { okta } from './okta.js';
import { google } from './google.js';
import { onelogin } from './onelogin.js';
import { ping } from './ping.js';
import { adfs } from './adfs.js';
import { keycloak } from './keycloak.js';
import { generic } from './generic.js';
import type { IdpPreset, IdpProduct } from './product.js';

/**
 * Claim names and console guides per IdP, from each product's documentation and the real
 * responses in `fixtures/real/` (tested in `test/unit/presets.test.ts`).
 */
export const IDP_PRODUCTS: Readonly<Record<IdpPresetName, IdpProduct>> = deepFreeze({
  azure,
  okta,
  google,
  onelogin,
  ping,
  adfs,
  keycloak,
  generic,
});

/** The fields of a product that only samlkit reads: every field IdpProduct adds to IdpPreset. */
const PRODUCT_ONLY: readonly string[] = ['guide', 'authnContext'] satisfies readonly Exclude<
  keyof IdpProduct,
  keyof IdpPreset
>[];

function presetOf(product: IdpProduct): IdpPreset {
  return Object.fromEntries(
    Object.entries(product).filter(([field]) => !PRODUCT_ONLY.includes(field)),
  ) as unknown as IdpPreset;
}

/**
 * The IdP products samlkit knows, by `TenantConfig.preset`: each one's label, the claim names it
 * sends and how it signs by default.
 */
export const IDP_PRESETS: Readonly<Record<IdpPresetName, IdpPreset>> = deepFreeze(
  Object.fromEntries(
    // Everything of the product but what only samlkit reads: a field added to IdpPreset comes along.
    Object.entries(IDP_PRODUCTS).map(([name, product]) => [name, presetOf(product)]),
  ) as Record<IdpPresetName, IdpPreset>,
);

/** True when `name` is a known preset. */
export function isPresetName(name: unknown): name is IdpPresetName {
  return typeof name === 'string' && Object.hasOwn(IDP_PRODUCTS, name);
}
