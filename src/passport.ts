/**
 * `samlkit/passport`: a Passport strategy over the multi-tenant service, for apps that already
 * authenticate with Passport (Express, NestJS through `@nestjs/passport`). `passport` is an optional
 * peer dependency: this entry implements the strategy shape Passport calls and imports nothing
 * from it.
 *
 * @example
 * ```ts
 * import passport from 'passport';
 * import { createServiceProvider, createMemoryStore } from 'samlkit';
 * import { SamlStrategy } from 'samlkit/passport';
 *
 * const store = createMemoryStore();
 * passport.use(new SamlStrategy({ sp: createServiceProvider({ tenants: store, state: store }) }));
 * ```
 *
 * @module
 */
export {
  DEFAULT_LOGIN_COOKIE,
  SamlStrategy,
  type PassportActions,
  type SamlAuthenticateOptions,
  type SamlAuthInfo,
  type SamlChallenge,
  type SamlStrategyOptions,
  type SamlStrategyRequest,
  type SamlVerify,
  type SamlVerifyDone,
} from './passport/strategy.js';
