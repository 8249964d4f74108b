/**
 * The state store in a local JSON file, for an operator without Consul. Writes are atomic (temp file,
 * then rename) and serialised, so a crash leaves the old or the new file, never half of one.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { JobKey, JobRecord } from '../../core/plan/types';
import type { StateStore } from './types';
import { parseRecord } from './types';

interface FileFormat {
  version: 1;
  jobs: Record<string, unknown>;
}

/** A `StateStore` in one JSON file. */
export class FileStateStore implements StateStore {
  private records = new Map<JobKey, JobRecord>();
  private loaded = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(): Promise<ReadonlyMap<JobKey, JobRecord>> {
    if (this.loaded) return this.records;
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as FileFormat;
      for (const [key, value] of Object.entries(parsed.jobs ?? {})) {
        const r = parseRecord(JSON.stringify(value));
        if (r) this.records.set(key, r);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`state file ${this.file} is unreadable: ${(e as Error).message}`, { cause: e });
    }
    this.loaded = true;
    return this.records;
  }

  get(key: JobKey): JobRecord | undefined {
    return this.records.get(key);
  }

  snapshot(): ReadonlyMap<JobKey, JobRecord> {
    return this.records;
  }

  async put(key: JobKey, record: JobRecord): Promise<void> {
    this.records.set(key, record);
    await this.flush();
  }

  async delete(key: JobKey): Promise<void> {
    if (this.records.delete(key)) await this.flush();
  }

  private flush(): Promise<void> {
    this.writing = this.writing.catch(() => undefined).then(async () => {
      const body: FileFormat = { version: 1, jobs: Object.fromEntries([...this.records].sort(([a], [b]) => (a < b ? -1 : 1))) };
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(body, null, 1));
      await fs.rename(tmp, this.file);
    });
    return this.writing;
  }
}
