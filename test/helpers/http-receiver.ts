/**
 * A webhook receiver on loopback: records every request body and answers from a script (the last answer
 * repeats; `hang` never answers, until `close`).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverAnswer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  /** Base URL, ending in `/`. */
  url: string;
  /** Bodies received, in order. */
  bodies: string[];
  /** Request paths, in order. */
  paths: string[];
  answers: ReceiverAnswer[];
  close(): Promise<void>;
}

export async function startReceiver(answers: ReceiverAnswer[] = [{ status: 200 }]): Promise<Receiver> {
  const hanging: http.ServerResponse[] = [];
  const r: Receiver = { url: '', bodies: [], paths: [], answers, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.bodies.push(Buffer.concat(chunks).toString('utf8'));
      r.paths.push(req.url ?? '');
      const a = r.answers.length > 1 ? r.answers.shift() : r.answers[0];
      if (a === 'hang' || a === undefined) {
        hanging.push(res);
        return;
      }
      res.writeHead(a.status, a.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  r.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}
