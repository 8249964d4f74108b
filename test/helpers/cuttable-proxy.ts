/**
 * A TCP forwarder on 127.0.0.1:0 in front of one server, standing for the network path of one instance:
 * `cut()` destroys its open connections and every new one (the instance's calls fail, the others' do not),
 * `heal()` forwards again. A real socket path, so the clients under test run unchanged.
 */
import * as net from 'node:net';

export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;

  private constructor(private readonly server: net.Server, readonly url: string) {}

  /** Forwards to `target` (`http://host:port`). */
  static async start(target: string): Promise<CuttableProxy> {
    const t = new URL(target);
    const holder: { proxy?: CuttableProxy } = {};
    const server = net.createServer((client) => {
      const proxy = holder.proxy as CuttableProxy;
      if (proxy.cutOff) {
        client.destroy();
        return;
      }
      const upstream = net.connect(Number(t.port), t.hostname);
      proxy.sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    holder.proxy = new CuttableProxy(server, `http://127.0.0.1:${port}`);
    return holder.proxy;
  }

  /** Every call through this path fails from now on (open connections are reset). */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Calls go through again. */
  heal(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
