import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { registerSecretValue } from '#shared/logging/redact.ts';
import { assertSecretName, SecretNotFoundError, type SecretStore } from './secret-store';

/**
 * The local stand-in for Secrets Manager: one JSON file, readable by its owner
 * only (0600). Read on every call, so several local processes stay in step.
 */
export class FileSecretStore implements SecretStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async get(name: string): Promise<string> {
    assertSecretName(name);
    const all = await this.readAll();
    // Own keys only: a name such as `constructor` must not find Object.prototype's.
    const value = Object.hasOwn(all, name) ? all[name] : undefined;
    if (typeof value !== 'string') throw new SecretNotFoundError(name);
    registerSecretValue(value);
    return value;
  }

  refresh(name: string): Promise<string> {
    return this.get(name);
  }

  async put(name: string, value: string): Promise<void> {
    assertSecretName(name);
    registerSecretValue(value);
    // Serialise writers in this process so two puts cannot lose each other's secret.
    // A failed write must not fail every later one: chain on the settled previous write.
    this.writing = this.writing.catch(() => undefined).then(async () => {
      const all = await this.readAll();
      all[name] = value;
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await chmod(temp, 0o600);
      await rename(temp, this.path);
    });
    return this.writing;
  }

  private async readAll(): Promise<Record<string, string>> {
    try {
      return Object.assign(Object.create(null) as Record<string, string>, JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }
}
