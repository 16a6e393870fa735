/** Messages between a multi-process test and its worker processes (over the fork IPC channel). */
import type { ResponseForm } from '../../../src/index.js';

/** How a worker reaches the shared store. */
export type StoreTarget =
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };

export type WorkerRequest =
  | { readonly id: number; readonly op: 'startLogin'; readonly tenantId: string; readonly returnTo?: string }
  | {
      readonly id: number;
      readonly op: 'finishLogins';
      readonly form: ResponseForm;
      readonly times: number;
      readonly browserSecret?: string;
    }
  | {
      readonly id: number;
      readonly op: 'consumeRequests';
      readonly tenantId: string;
      readonly requestId: string;
      readonly times: number;
    };

/** One outcome per attempt: 'ok' (with the email and returnTo) or the SamlError code. */
export type Outcome =
  | { readonly ok: true; readonly email?: string; readonly returnTo?: string }
  | { readonly ok: false; readonly code: string };

export type WorkerReply =
  | { readonly id: number; readonly op: 'startLogin'; readonly url: string; readonly browserSecret: string }
  | { readonly id: number; readonly op: 'finishLogins'; readonly outcomes: readonly Outcome[] }
  | { readonly id: number; readonly op: 'consumeRequests'; readonly consumed: number }
  | { readonly id: number; readonly op: 'error'; readonly message: string };
