/** Starts worker processes (worker.ts under tsx) and talks to them. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StoreTarget, WorkerReply, WorkerRequest } from './protocol.js';

type Ask = { [K in WorkerRequest['op']]: Omit<Extract<WorkerRequest, { op: K }>, 'id'> }[WorkerRequest['op']];

export interface Worker {
  ask<R extends Ask>(request: R): Promise<Extract<WorkerReply, { op: R['op'] }>>;
  stop(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('worker.ts', import.meta.url));

/** Forks `count` worker processes sharing the store `target`; resolves when all are connected. */
export async function startWorkers(count: number, target: StoreTarget): Promise<Worker[]> {
  return Promise.all(Array.from({ length: count }, () => startWorker(target)));
}

async function startWorker(target: StoreTarget): Promise<Worker> {
  const child: ChildProcess = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SAMLKIT_STORE: JSON.stringify(target) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: WorkerReply) => void>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message) => {
      if (message === 'ready') resolve();
      else reject(new Error(JSON.stringify(message)));
    });
    child.once('exit', (code) => {
      reject(new Error(`worker exited with ${code ?? 'a signal'} before it was ready`));
    });
  });
  child.on('message', (message: WorkerReply) => {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  return {
    ask<R extends Ask>(request: R) {
      const id = next++;
      return new Promise<Extract<WorkerReply, { op: R['op'] }>>((resolve, reject) => {
        pending.set(id, (reply) => {
          if (reply.op === 'error') reject(new Error(reply.message));
          else resolve(reply as Extract<WorkerReply, { op: R['op'] }>);
        });
        child.send({ ...request, id });
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.send('exit');
      }),
  };
}
