/**
 * IPv6-only containers: docker advertises the container's routable IPv6 address and every service and
 * network check registers that address (`AddressMode = "driver"`). Script checks run inside the container
 * and take no address.
 */
import type { PlatformFn } from '../context';

/** Sets `advertise_ipv6_address` on docker tasks and `AddressMode: "driver"` on their services and checks. */
export const ipv6: PlatformFn = (job) => ({
  ...job,
  TaskGroups: job.TaskGroups.map((g) => ({
    ...g,
    Tasks: g.Tasks.map((t) => {
      if (t.Driver !== 'docker') return t;
      return {
        ...t,
        Config: { ...(t.Config ?? {}), advertise_ipv6_address: true },
        ...(t.Services
          ? { Services: t.Services.map((s) => ({ ...s, AddressMode: 'driver', ...(s.Checks ? { Checks: s.Checks.map((c) => (c.Type === 'script' ? c : { ...c, AddressMode: 'driver' })) } : {}) })) }
          : {}),
      };
    }),
  })),
});
