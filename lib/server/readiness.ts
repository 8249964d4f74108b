/**
 * `GET /readyz`: whether this operator is ready to be asked (its status means something). Liveness stays
 * `/healthz`. Ready once the spec source was read and the clients answered, as the operator reports them
 * (`OperatorView.readiness`), and unless this instance is a follower of a leader election: the leader
 * reconciles and holds the status, so a follower answers 503 saying so.
 */

/** This instance's part in a leader election; `standalone` without one. */
export type OperatorRole = 'leader' | 'follower' | 'standalone';

/** One thing readiness waits for: the source read, Nomad or Consul answering. */
export interface ReadinessCheck {
  ok: boolean;
  /** Why it is not ok yet (no secrets: the clients' and the source's own one-line errors). */
  reason?: string;
}

/** What the operator reports: a check per part it needs (`source`, `nomad`, and `consul` when configured). */
export type ReadinessReport = Record<string, ReadinessCheck>;

/** The body of `/readyz` (200 when `ready`, else 503). */
export interface ReadyzBody {
  ready: boolean;
  role: OperatorRole;
  checks: Record<string, boolean>;
  /** One line per check that is not ok, and one for a follower. */
  reasons: string[];
}

/** Builds the `/readyz` answer from the operator's checks and the role. */
export function readyz(report: ReadinessReport, role: OperatorRole): ReadyzBody {
  const reasons: string[] = [];
  const checks: Record<string, boolean> = {};
  for (const [name, check] of Object.entries(report)) {
    checks[name] = check.ok;
    if (!check.ok) reasons.push(`${name}: ${check.reason ?? 'not yet'}`);
  }
  if (role === 'follower') reasons.push('role: a follower; the leader reconciles and reports');
  return { ready: reasons.length === 0, role, checks, reasons };
}
