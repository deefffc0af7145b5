import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { ackBed, MIN, type AckBed } from '../ack/testing';
import { until } from '../notify/testing';

/**
 * Sleep and wake against the real sshd (issue 18.6). A laptop's sleep is simulated where it happens, on the network:
 * each host is reached through a TCP relay that, "while the laptop sleeps", forgets its connections without a word
 * (the server dropped them; no FIN or RST reaches the laptop), so the client's socket looks open but is dead.
 */
interface Relay {
  port: number;
  /** Connections the relay has accepted. */
  opened(): number;
  /** Black-hole every open connection: nothing more goes either way, and nothing tells the client. */
  forget(): void;
  close(): Promise<void>;
  /** Listen again on the same port (the host is back). */
  reopen(): Promise<void>;
}

async function relay(targetPort: number): Promise<Relay> {
  const pairs = new Set<[Socket, Socket]>();
  let opened = 0;
  const serve = (): Server =>
    createServer((client) => {
      opened++;
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.pipe(upstream).on('error', () => undefined);
      upstream.pipe(client).on('error', () => undefined);
      client.on('error', () => undefined);
      client.on('close', () => (upstream.destroy(), pairs.delete(pair)));
      upstream.on('close', () => pairs.delete(pair));
    });
  let server = serve();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    opened: () => opened,
    forget() {
      for (const pair of pairs) {
        const [client, upstream] = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        upstream.destroy(); // sshd's side is gone…
        client.pause(); // …and the laptop's side hears nothing: its bytes sink, no answer, no close
        pairs.delete(pair);
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const pair of pairs) pair.forEach((s) => s.destroy());
        server.close(() => r());
      }),
    async reopen() {
      server = serve();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
  };
}

let sshd: SshdFixture;
let web: Relay;
let gone: Relay;
let bed: AckBed | null = null;
beforeAll(async () => {
  sshd = await startSshd();
  web = await relay(sshd.port);
  gone = await relay(sshd.port);
}, 60_000);
afterEach(async () => bed?.close());
afterAll(async () => {
  await web?.close();
  await gone?.close();
  await sshd?.stop();
});

describe('sleep and wake over SSH (issue 18.6)', () => {
  it('R-SLEEP-3: on waking, the dead SSH connection is dropped so the first command runs at once, and every host is checked again', async () => {
    const host = (name: string, port: number) =>
      `{ name: ${name}, address: 127.0.0.1, port: ${port}, user: vigiltest, keyFile: "${sshd.clientKeyPath}", hostKey: "${sshd.hostKeyFingerprint}" }`;
    bed = await ackBed(`
smoke: { enabled: false }
hosts: [ ${host('web', web.port)}, ${host('gone', gone.port)} ]
remote: { execTimeout: 60s }
`);
    const run = () => bed!.call<{ exitCode: number; stdout: string }>('diag.run', { host: 'web', command: 'uptime', by: 'test' });
    const hosts = async () =>
      Object.fromEntries(
        (await bed!.call<{ hosts: Array<{ name: string; status: string; lastCheckAt: number }> }>('hosts.list', {})).hosts.map((h) => [
          h.name,
          [h.status, h.lastCheckAt],
        ]),
      );
    expect((await run()).exitCode).toBe(0);
    await bed.call('hosts.check', { host: 'gone' });
    const before = bed.clock.now();
    expect(await hosts()).toEqual({ web: ['ok', before], gone: ['ok', before] });
    expect(web.opened()).toBe(1);

    await bed.core.suspend();
    web.forget(); // the server dropped the laptop's connection while it slept
    await gone.close(); // and this host went away altogether
    bed.clock.advance(6 * 60 * MIN);
    const wokeAt = bed.clock.now();
    const t0 = Date.now();
    await bed.core.resume();
    // Host states are the post-wake ones, checked at waking: not the pre-sleep "ok".
    const after = await hosts();
    expect(after.web).toEqual(['ok', wokeAt]);
    expect(after.gone![0]).toBe('unreachable');
    expect(after.gone![1]).toBe(wokeAt);
    // The first command after waking runs on a fresh connection, long before the dead one's 60 s timeout.
    const r = await run();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/load average/);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(web.opened()).toBe(2);
    const { items } = await bed.call<{ items: Array<{ id: string; summary: string }> }>('events.list', { source: 'vigil' });
    const id = items.find((e) => e.summary.startsWith('Vigil was asleep'))?.id;
    const { description } = await bed.call<{ description: string }>('events.get', { id });
    expect(description).toContain('- SSH connections reopened: web');
    expect(description).toContain('- Hosts that did not answer are checked once more 20 s later');
    expect(description).toMatch(
      /- Hosts checked again: web reachable; unreachable: gone \(127\.0\.0\.1:\d+\) cannot be reached: ECONNREFUSED/,
    );
    // The network often comes back after the wake: the host that did not answer is checked once more, 20 s later.
    await gone.reopen();
    bed.clock.advance(20_000);
    await until(async () => (await hosts()).gone![0] === 'ok', 'the second check of the host that came back', 30_000);
    expect((await hosts()).gone).toEqual(['ok', wokeAt + 20_000]);
  }, 120_000);
});
