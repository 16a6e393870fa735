/**
 * Where each IdP console takes the app's own sign-in page (SP-initiated start URL), for the presets
 * whose console guide has no such field of its own: portals, bookmarks and "start" buttons then
 * begin the login at the app instead of sending an unsolicited response. Keyed by preset name.
 *
 * @module
 */
import type { IdpPresetName } from '../types.js';

/** A console field (or, where the console has none, what to do with the URL) for the sign-in page. */
export interface SignOnUrlField {
  /** The field's label in that console. */
  readonly field: string;
  /** Where it is, or what to do with the URL when the console has no field for it. */
  readonly note: string;
}

/** The sign-on URL field of each preset whose console guide does not already name one. */
export const SIGN_ON_URL_FIELDS: Readonly<Partial<Record<IdpPresetName, SignOnUrlField>>> = Object.freeze({
  okta: {
    field: 'Sign-on URL for your users',
    note: 'Okta\u2019s SAML app has no field for it: give it to users as their bookmark, or add an Okta Bookmark App with this URL as its tile.',
  },
  google: {
    field: 'Start URL (optional)',
    note: 'Service provider details: the app\u2019s tile in Google then starts the login at your app.',
  },
  ping: {
    field: 'Sign-on URL for your users',
    note: 'Use it as the application\u2019s URL in the PingOne/PingFederate dock or portal, or as users\u2019 bookmark.',
  },
  adfs: {
    field: 'Sign-on URL for your users',
    note: 'AD FS has no field for it: publish it to users (intranet link, bookmark); it starts the login at your app.',
  },
  keycloak: {
    field: 'Home URL',
    note: 'Client settings, Access settings: the account console\u2019s link to the app then starts the login at your app.',
  },
  generic: {
    field: 'Sign-on URL (SP-initiated start URL)',
    note: 'Where your IdP\u2019s portal or your users\u2019 bookmarks should start the login.',
  },
});
