/**
 * ipv6: containers have their own routable IPv6 address and no NAT, so every docker task advertises that
 * address (`advertise_ipv6_address = true`) and every task service and check registers and probes it
 * (`AddressMode = "driver"`). Script checks run inside the container and take no address. Group services
 * are left alone: `driver` is valid for task services only.
 */
import type { Modification, ModifierRule } from '../types';

/** The `ipv6` modifier rule (see the file comment for what it changes). */
export const ipv6: ModifierRule<'ipv6'> = {
  name: 'ipv6',
  modify(job) {
    const modifications: Modification[] = [];
    job.TaskGroups.forEach((tg, gi) =>
      tg.Tasks.forEach((t, ti) => {
        const at = `TaskGroups[${gi}].Tasks[${ti}]`;
        const changes: string[] = [];
        if (t.Driver === 'docker' && t.Config?.advertise_ipv6_address !== true) {
          (t.Config ??= {}).advertise_ipv6_address = true;
          changes.push('Config.advertise_ipv6_address');
        }
        (t.Services ?? []).forEach((s, si) => {
          if (s.AddressMode !== 'driver') {
            s.AddressMode = 'driver';
            changes.push(`Services[${si}].AddressMode`);
          }
          (s.Checks ?? []).forEach((c, ci) => {
            if (c.Type !== 'script' && c.AddressMode !== 'driver') {
              c.AddressMode = 'driver';
              changes.push(`Services[${si}].Checks[${ci}].AddressMode`);
            }
          });
        });
        if (changes.length > 0) {
          modifications.push({
            rule: 'ipv6',
            path: at,
            message: `task ${JSON.stringify(t.Name)} advertises its container IPv6 address; services and checks use it (address_mode "driver")`,
            after: changes,
          });
        }
      }),
    );
    return { modifications, diagnostics: [] };
  },
};
