/**
 * The example app on NestJS 11 (Express platform), signing in through `samlkit/passport` and
 * `@nestjs/passport`: the login and ACS routes are a controller behind Passport's guard; every other
 * page is a framework-free handler from `../shared/routes.ts`, served by one catch-all controller.
 *
 * tsx (esbuild) has no `emitDecoratorMetadata`, so every constructor parameter names its provider
 * with an explicit `@Inject(token)`; `experimentalDecorators` is on in tsconfig.json.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import {
  All,
  Catch,
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type NestApplicationOptions,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, AuthModuleOptions, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import express, { type Request, type Response } from 'express';
import { SamlError, type LoginResult } from 'samlkit';
import { SamlStrategy, type SamlChallenge } from 'samlkit/passport';
import { exampleScimHandler } from '../shared/directory.js';
import {
  errorResponse,
  FORM_LIMIT_BYTES,
  messagePage,
  notFoundResponse,
  toExampleRequest,
  type ExampleRequest,
  type ExampleResponse,
  type ExampleRoute,
} from '../shared/http.js';
import { matchRoute } from '../shared/match.js';
import type { ExampleAppOptions } from '../shared/options.js';
import { createExampleCore, createExampleRoutes, refused, type ExampleCore } from '../shared/routes.js';

export { tenantUrls, type ExampleAppOptions } from '../shared/options.js';

/** Injection tokens: without decorator metadata, Nest cannot tell providers by parameter type. */
const CORE = Symbol('example core');
const ROUTES = Symbol('shared routes');
const OPTIONS = Symbol('example options');
const STRATEGY_NAME = Symbol('passport strategy name');

/**
 * samlkit's strategy as a Nest provider. `validate` turns the verified login into `req.user`; here
 * the `LoginResult` itself (a real app finds or creates its account here, keyed by tenant, issuer
 * and NameID).
 */
@Injectable()
class SamlAuthStrategy extends PassportStrategy(SamlStrategy) {
  constructor(@Inject(CORE) core: ExampleCore, @Inject(STRATEGY_NAME) name: string) {
    // Each app registers its own name: Passport's registry is global to the process.
    super({ sp: core.sp, name, loginHint: true });
  }

  validate(result: LoginResult): LoginResult {
    return result;
  }
}

/** A login samlkit refused: the filter renders the shared refusal page with its code and hint. */
class LoginRefused extends Error {
  constructor(
    readonly error: SamlError,
    readonly status: number,
  ) {
    super(error.code);
  }
}

/**
 * Passport's guard for the strategy (`PassportModule.register` names it as the default). A refused
 * login arrives here as Passport's `fail`, with samlkit's challenge as `info`.
 */
@Injectable()
class SamlGuard extends AuthGuard() {
  // Nest declares handleRequest generic in the user's type; this guard's user is a LoginResult.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  override handleRequest<User = LoginResult>(
    error: unknown,
    user: unknown,
    info: unknown,
    _context: ExecutionContext,
    status?: unknown,
  ): User {
    if (error instanceof Error) throw error;
    if (error !== null && error !== undefined)
      throw new Error('Passport reported a non-Error', { cause: error });
    if (user === false || user === undefined || user === null) {
      const challenge = info as Partial<SamlChallenge> | undefined;
      if (challenge?.error instanceof SamlError) {
        throw new LoginRefused(challenge.error, typeof status === 'number' ? status : 401);
      }
      throw new HttpException('Unauthorized', 401);
    }
    return user as User;
  }
}

/**
 * The home page's form: an address whose domain a tenant claims goes to Passport (the strategy
 * starts the login to that tenant, from the form's `email`); any other goes on to the shared
 * `/login` page, which says why there is no single sign-on.
 */
@Injectable()
class EmailLoginGuard extends SamlGuard {
  constructor(
    @Inject(CORE) private readonly core: ExampleCore,
    @Inject(AuthModuleOptions) options: AuthModuleOptions,
  ) {
    super(options);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const body: unknown = req.body;
    const email = typeof body === 'object' && body !== null && 'email' in body ? body.email : undefined;
    const sso =
      typeof email === 'string' && email.trim() !== ''
        ? await this.core.sp.loginMethods(email.trim()).then(
            (options) => options.sso,
            () => null, // not an address: the shared page answers it
          )
        : null;
    if (sso === null) return true;
    return (await super.canActivate(context)) as boolean;
  }
}

/** A test connection's page, found by {@link AcsGuard} before Passport sees the response. */
const TESTED = Symbol('test connection page');
type AcsRequest = Request & { [TESTED]?: ExampleResponse };

/**
 * The ACS: a test connection of the SSO settings page (after the strategy's same-site step, when
 * the login cookie is there) is answered by the shared settings pages; any other response goes to
 * Passport.
 */
@Injectable()
class AcsGuard extends SamlGuard {
  constructor(
    @Inject(CORE) private readonly core: ExampleCore,
    @Inject(AuthModuleOptions) options: AuthModuleOptions,
  ) {
    super(options);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AcsRequest>();
    const request = exampleRequest(req);
    if (request.cookies.samlkit_login !== undefined) {
      const tested = await this.core.finishTest(
        request,
        typeof req.params.tenant === 'string' ? req.params.tenant : undefined,
      );
      if (tested !== undefined) {
        req[TESTED] = tested;
        return true;
      }
    }
    return (await super.canActivate(context)) as boolean;
  }
}

/** Writes a shared response on Express's; `Set-Cookie` lines are added to any already set. */
function send(res: Response, response: ExampleResponse): void {
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.toLowerCase() === 'set-cookie')
      res.append('set-cookie', typeof value === 'string' ? value : [...value]);
    else res.set(name, typeof value === 'string' ? value : [...value].join(', '));
  }
  res.status(response.status).send(response.body);
}

function exampleRequest(req: Request, params: unknown = req.params): ExampleRequest {
  return toExampleRequest({
    method: req.method,
    url: req.originalUrl,
    params,
    body: req.body as unknown,
    cookieHeader: req.headers.cookie,
  });
}

/** Every error ends on one of the shared pages, never Nest's JSON or a stack. */
@Catch()
class PageFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof LoginRefused) {
      send(res, refused(exception.error, exception.status));
    } else if (exception instanceof HttpException && exception.getStatus() === 404) {
      send(res, notFoundResponse());
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      send(res, messagePage('Not allowed', `Error ${exception.getStatus()}.`, exception.getStatus()));
    } else {
      send(res, errorResponse(exception));
    }
  }
}

/** Login and ACS through Passport. */
@Controller()
@UseFilters(PageFilter)
class SamlController {
  constructor(
    @Inject(CORE) private readonly core: ExampleCore,
    @Inject(ROUTES) private readonly routes: readonly ExampleRoute[],
  ) {}

  /** A per-tenant login link: the guard starts the login (Passport's redirect to the IdP). */
  @Get('login/:tenant')
  @UseGuards(SamlGuard)
  startLogin(): void {
    // Not reached: the strategy answers with the redirect (or the POST binding's page).
  }

  /** The home page's form: SSO through the guard, anything else on the shared page. */
  @Post('login')
  @UseGuards(EmailLoginGuard)
  async emailLogin(@Req() req: Request, @Res() res: Response): Promise<void> {
    const shared = matchRoute(this.routes, 'POST', '/login');
    if (shared === undefined) throw new HttpException('Not Found', 404);
    send(res, await shared.route.handler(exampleRequest(req)));
  }

  /**
   * The ACS URLs (per tenant, and shared): the guard runs samlkit's same-site step or finishes the
   * login; the verified login starts the app's session.
   */
  @Post(['saml/:tenant/acs', 'saml/acs'])
  @UseGuards(AcsGuard)
  async acs(@Req() req: AcsRequest, @Res() res: Response): Promise<void> {
    const tested = req[TESTED];
    if (tested !== undefined) {
      send(res, tested);
      return;
    }
    const result = req.user as LoginResult;
    send(res, await this.core.signIn(result, exampleRequest(req).cookies));
  }
}

/** Every other page: the shared routes (and SCIM), matched by method and path. */
@Controller()
@UseFilters(PageFilter)
class SharedRoutesController {
  private readonly scim;

  constructor(
    @Inject(ROUTES) private readonly routes: readonly ExampleRoute[],
    @Inject(OPTIONS) options: ExampleAppOptions,
  ) {
    this.scim =
      options.directory === undefined
        ? undefined
        : exampleScimHandler(options.directory, options.tenants, options.baseUrl);
  }

  @All('{*path}')
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    const path = req.path;
    const scim = /^\/scim\/v2\/([^/]+)(\/.*)?$/.exec(path);
    if (scim !== null && this.scim !== undefined) {
      const response = await this.scim({
        tenantId: decodeURIComponent(scim[1] ?? ''),
        method: req.method,
        path: scim[2] ?? '/',
        query: req.query,
        headers: req.headers,
        body: req.body as unknown,
      });
      res.status(response.status).set(response.headers).send(response.body);
      return;
    }
    const match = matchRoute(this.routes, req.method, path);
    if (match === undefined) {
      send(res, notFoundResponse());
      return;
    }
    send(res, await match.route.handler(exampleRequest(req, match.params)));
  }
}

// Nest's modules are classes that only carry their decorator's metadata.
@Module({})
// eslint-disable-next-line @typescript-eslint/no-extraneous-class
class ExampleModule {}

/** The app's module, made per app: its options, its service, and its own Passport strategy name. */
function exampleModule(options: ExampleAppOptions, core: ExampleCore, strategyName: string): DynamicModule {
  return {
    module: ExampleModule,
    imports: [PassportModule.register({ defaultStrategy: strategyName, session: false })],
    // Order matters: Passport's routes first, the catch-all last.
    controllers: [SamlController, SharedRoutesController],
    providers: [
      { provide: OPTIONS, useValue: options },
      { provide: CORE, useValue: core },
      { provide: ROUTES, useValue: createExampleRoutes(options, core) },
      { provide: STRATEGY_NAME, useValue: strategyName },
      SamlAuthStrategy,
      SamlGuard,
      EmailLoginGuard,
      AcsGuard,
    ],
  };
}

/**
 * Returns the app, initialised. Call `listen()` on it; or pass a `server` that already listens (the
 * base URL needs the port before the app exists, as with port 0): the app then answers that
 * server's requests, and the server stays yours to close after `app.close()`.
 */
export async function createNestApp(options: ExampleAppOptions, server?: Server): Promise<INestApplication> {
  const instance = express();
  instance.disable('x-powered-by');
  // Forms for the pages; SCIM bodies stay raw text (the handler caps and parses them itself).
  instance.use(express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES }));
  instance.use('/scim/v2', express.text({ type: () => true, limit: FORM_LIMIT_BYTES }));
  const core = createExampleCore(options);
  const name = `saml-${crypto.randomUUID()}`;
  const app = await NestFactory.create(
    exampleModule(options, core, name),
    new ExpressAdapter(instance),
    // Forms are parsed above, with the example's limit; Nest logs only errors.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    { bodyParser: false, logger: ['error'] } satisfies NestApplicationOptions,
  );
  // A body over the limit or malformed, before any controller: the shared error page.
  app.useGlobalFilters(new PageFilter());
  await app.init();
  // Express tells an error handler by its four parameters, so `_next` stays.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  instance.use((error: unknown, _req: Request, res: Response, _next: unknown) => {
    send(res, errorResponse(error));
  });
  server?.on('request', instance);
  return app;
}
