/**
 * What `/readyz` asks of a running operator: the spec source read once (a poll succeeded), Nomad answered
 * (a job list succeeded), and, when Consul is configured, Consul answered. Each part, once ready, stays
 * ready: readiness says the operator has started, the status and `/metrics` say how it is doing since.
 */
import type { ReadinessReport, ReadinessCheck } from '../lib/server/readiness';
import type { Manager } from './manager';

/** The readiness checks of one operator; Consul is asked at most once at a time, until it answers. */
export class OperatorReadiness {
  private consulOk = false;
  private consulReason?: string;
  private probe?: Promise<void>;

  constructor(private readonly manager: Manager) {}

  /** The checks: `source`, `nomad`, and `consul` when the operator has a Consul client. */
  async report(): Promise<ReadinessReport> {
    const c = this.manager.controller;
    const lastError = c.status.source.lastError;
    const failing = (system: string): string | undefined => (lastError && lastError.message.startsWith(`${system}:`) ? lastError.message : undefined);
    const report: ReadinessReport = {
      source: c.desired.known ? { ok: true } : { ok: false, reason: failing('git') ?? 'the spec source was not read yet' },
      nomad: c.live.loaded ? { ok: true } : { ok: false, reason: failing('Nomad') ?? 'Nomad has not answered a job list yet' },
    };
    if (this.manager.deps.consul) report.consul = await this.consul();
    return report;
  }

  private async consul(): Promise<ReadinessCheck> {
    const consul = this.manager.deps.consul;
    if (!this.consulOk && consul) {
      this.probe ??= consul.catalogServices().then(
        () => {
          this.consulOk = true;
        },
        (e: unknown) => {
          this.consulReason = `Consul: ${e instanceof Error ? e.message : String(e)}`;
        },
      ).finally(() => {
        this.probe = undefined;
      });
      await this.probe;
    }
    return this.consulOk ? { ok: true } : { ok: false, reason: this.consulReason ?? 'Consul has not answered yet' };
  }
}
