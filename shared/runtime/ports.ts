import { config as readConfig, type Config } from '#shared/config/index.ts';
import { systemClock, type Clock } from '#shared/clock.ts';
import { createSecretStore, type SecretStore } from '#shared/secrets/index.ts';
import { createStore, type Store } from '#shared/store/index.ts';

/** What every core needs from the outside world, built once per container. */
export interface Ports {
  config: Config;
  store: Store;
  secrets: SecretStore;
  clock: Clock;
}

let ports: Ports | undefined;

/** The process's ports, built on first use from the environment (so module init stays cheap). */
export function defaultPorts(): Ports {
  if (!ports) {
    const config = readConfig();
    ports = { config, store: createStore(config), secrets: createSecretStore(config), clock: systemClock };
  }
  return ports;
}

/** The local runtime and tests change the environment between runs; this forgets the built ports. */
export function resetDefaultPorts(): void {
  ports = undefined;
}
