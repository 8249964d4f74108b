/**
 * The address and port a Nomad client registers a service at, by `address_mode`, as
 * `client/serviceregistration/address.go` (`GetAddress`) resolves them, over the simulator's networks:
 * - `host`: the port's host IP (the node's address) and its host (dynamic or reserved) value; with no port
 *   label, the IP of the one network the service sees (none with no network or more than one) and no port;
 * - `driver`: the driver network's IP and the port's `To`: for docker, the container's IPv6 out of the
 *   node's /80 when `advertise_ipv6_address` is true, else its IPv4 on docker's bridge (none when the
 *   task joins the group's bridge or CNI network, or runs in the host's network);
 * - `alloc`/`alloc_ipv6`: the allocation network's IPv4 / IPv6 (group bridge or CNI networks) and the
 *   port's `To` (its value when `To` is unset);
 * - `auto`: `driver` when the driver asks to be advertised (docker with an advertised IPv6), else `host`.
 * A label that is no port is read as a port number; `host` then registers no address (Consul uses its
 * agent's). A mode that cannot resolve (no driver network, no allocation network) registers nothing.
 */

/** The ports and networks a service address is resolved from. */
export interface AddressSources {
  /** The allocation's ports (group network ports): label, host value, container `To`, host IP. */
  ports: ReadonlyArray<{ Label: string; Value: number; To: number; HostIP: string }>;
  /** The task's driver network; undefined for group services and drivers that report none. */
  driver?: { ip: string; autoAdvertise: boolean; portMap?: Record<string, number> };
  /**
   * The IPs of the networks the service's hook hands `GetAddress`: a group service's the allocation's
   * shared networks (allocrunner/group_service_hook.go), a task service's its task's own networks
   * (taskrunner/service_hook.go; the simulator gives tasks none).
   */
  networks?: readonly string[];
  /** The allocation's network status (group bridge/CNI networks only). */
  netStatus?: { address: string; addressIPv6: string };
}

/** A resolved service address; `undefined` when Nomad would fail the registration. */
export interface ServiceAddress {
  address: string;
  port: number;
}

function numericPort(label: string): number | undefined {
  if (!/^-?\d+$/.test(label)) return undefined;
  const n = Number(label);
  return n > 0 ? n : undefined;
}

/** `GetAddress` for a service without a custom `address`. */
export function serviceAddress(mode: string, portLabel: string, src: AddressSources): ServiceAddress | undefined {
  const port = src.ports.find((p) => p.Label === portLabel);
  switch (mode || 'auto') {
    case 'auto':
      return serviceAddress(src.driver?.autoAdvertise ? 'driver' : 'host', portLabel, src);
    case 'host': {
      if (!portLabel) return { address: src.networks?.length === 1 ? src.networks[0] : '', port: 0 };
      if (port) return { address: port.HostIP, port: port.Value };
      const n = numericPort(portLabel);
      return n === undefined ? undefined : { address: '', port: n };
    }
    case 'driver': {
      if (!src.driver) return undefined;
      if (!portLabel) return { address: src.driver.ip, port: 0 };
      if (port) return { address: src.driver.ip, port: port.To };
      const mapped = src.driver.portMap?.[portLabel];
      if (mapped !== undefined) return { address: src.driver.ip, port: mapped };
      const n = numericPort(portLabel);
      return n === undefined ? undefined : { address: src.driver.ip, port: n };
    }
    case 'alloc':
    case 'alloc_ipv6': {
      if (!src.netStatus) return undefined;
      const address = mode === 'alloc_ipv6' ? src.netStatus.addressIPv6 : src.netStatus.address;
      if (!portLabel) return { address, port: 0 };
      if (port) return { address, port: port.To > 0 ? port.To : port.Value };
      const n = numericPort(portLabel);
      return n === undefined ? undefined : { address, port: n };
    }
    default:
      return undefined;
  }
}
