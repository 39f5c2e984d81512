import type { MarketoClient } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';

/** Thrown by a port once the simulated process has died. */
export class SimulatedCrash extends Error {
  constructor(step: string) {
    super(`simulated crash at ${step}`);
    this.name = 'SimulatedCrash';
  }
}

export interface CrashPlan {
  /** Which kind of step dies: a Marketo call or a DynamoDB write. */
  target: 'marketo' | 'store';
  /** The step number (1-based, counted across the whole scenario). */
  at: number;
  /** 'after': the step took effect but its answer is lost; 'before': it never ran. */
  when: 'before' | 'after';
}

/**
 * A kill switch shared by the wrapped ports of one process: counts steps, and
 * from the planned step on every call through either port fails, as after a
 * real crash (nothing after it, `finally` blocks included, reaches the world).
 */
export class Process {
  marketoSteps = 0;
  storeWrites = 0;
  dead = false;
  constructor(private readonly plan?: CrashPlan) {}

  async step<T>(target: CrashPlan['target'], name: string, perform: () => Promise<T>): Promise<T> {
    if (this.dead) throw new SimulatedCrash(name);
    const count = target === 'marketo' ? ++this.marketoSteps : ++this.storeWrites;
    const planned = this.plan && this.plan.target === target && this.plan.at === count;
    if (planned && this.plan?.when === 'before') {
      this.dead = true;
      throw new SimulatedCrash(`${name} #${count} (before)`);
    }
    const result = await perform();
    if (planned) {
      this.dead = true;
      throw new SimulatedCrash(`${name} #${count} (after)`);
    }
    return result;
  }

  async read<T>(name: string, perform: () => Promise<T>): Promise<T> {
    if (this.dead) throw new SimulatedCrash(name);
    return perform();
  }
}

const STORE_WRITES = new Set(['put', 'update', 'delete', 'putMany', 'transact']);
const STORE_READS = new Set(['get', 'getMany', 'query', 'queryAll', 'count']);
const MARKETO_CALLS = new Set(['syncLeads', 'findLeadsByEmail', 'addToList', 'removeFromList', 'getList', 'listMembers', 'isMember', 'importLeadsCsv', 'getImportStatus', 'getImportFile', 'createLeadExport', 'enqueueLeadExport', 'getLeadExportStatus', 'getLeadExportFile', 'cancelLeadExport']);

/** The real store, seen through a process that may die (a fenced view of it too). */
export function storeOf(process: Process, store: Store): Store {
  const wrapped = wrap(store, (name) => (STORE_WRITES.has(name) ? 'write' : STORE_READS.has(name) ? 'read' : undefined), process, 'store');
  return new Proxy(wrapped, {
    get(object, property, receiver) {
      if (property !== 'fenced') return Reflect.get(object, property, receiver);
      return (...args: Parameters<Store['fenced']>) => storeOf(process, store.fenced(...args));
    },
  });
}

/** The real Marketo client (its stats included), seen through a process that may die. */
export function clientOf(process: Process, client: MarketoClient): MarketoClient {
  return wrap(client, (name) => (MARKETO_CALLS.has(name) ? 'write' : undefined), process, 'marketo');
}

function wrap<T extends object>(target: T, kindOf: (name: string) => 'write' | 'read' | undefined, process: Process, steps: CrashPlan['target']): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const kind = kindOf(property);
      if (!kind) return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      // Called on the real object, so a method that calls another (putIfAbsent -> put) counts once.
      return (...args: unknown[]) =>
        kind === 'write' ? process.step(steps, property, () => method.apply(object, args)) : process.read(property, () => method.apply(object, args));
    },
  });
}
