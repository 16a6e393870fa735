/**
 * `samlkit/fetch`: the one part of samlkit that does network I/O, kept out of the main entry so
 * that importing `samlkit` never pulls it in. Fetch IdP metadata on a schedule to pick up
 * certificate rollovers.
 *
 * @module
 */
export {
  fetchIdpMetadata,
  type FetchIdpMetadataOptions,
  type FetchIdpMetadataResult,
} from './metadata/fetch.js';
