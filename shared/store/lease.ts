import type { Clock } from '#shared/clock.ts';
import { ConditionFailedError } from './errors';
import type { Fence, Store } from './store';

export interface Lease {
  name: string;
  owner: string;
  version: number;
  expiresAtMs: number;
}

/** The holder no longer owns the lease (it expired and someone else took it, or it was released). */
export class LeaseLostError extends Error {
  constructor(readonly lease: Lease) {
    super(`Lease ${lease.name} is no longer held by ${lease.owner}`);
    this.name = 'LeaseLostError';
  }
}

const leaseKey = (name: string) => ({ pk: `LEASE#${name}`, sk: 'LEASE' });

/**
 * A lease lock on one table item. Acquire is a conditional put that wins only
 * when no live lease exists; renew and release are conditioned on owner and
 * version, so a holder whose lease expired and was taken over cannot touch the
 * new holder's lease. Expiry is checked on our own clock, not by TTL deletion,
 * which DynamoDB performs lazily.
 */
export class LeaseLock {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Returns the lease, or undefined when another live holder has it. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.clock.now();
    const lease: Lease = { name, owner, version: 1, expiresAtMs: now + ttlMs };
    try {
      // The version continues from the previous holder's so that a stale holder's
      // conditional writes can never match again.
      const updated = await this.store.update(
        leaseKey(name),
        {
          expression: 'SET #owner = :owner, expiresAtMs = :exp, expiresAt = :ttl ADD version :one',
          names: { '#owner': 'owner' },
          values: { ':owner': owner, ':exp': lease.expiresAtMs, ':ttl': Math.ceil(lease.expiresAtMs / 1000) + 3600, ':one': 1 },
        },
        { expression: 'attribute_not_exists(pk) OR expiresAtMs <= :now', values: { ':now': now } },
      );
      return { ...lease, version: Number(updated.version) };
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /**
   * Extends the lease; throws LeaseLostError when it is no longer ours. The
   * version stays as acquired: it is the holder's fencing token, so writes
   * fenced by it (see `fenceOf`) stay valid across renewals and fail once
   * anyone else acquires.
   */
  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const now = this.clock.now();
    const expiresAtMs = now + ttlMs;
    try {
      const updated = await this.store.update(
        leaseKey(lease.name),
        {
          expression: 'SET expiresAtMs = :exp, expiresAt = :ttl',
          values: { ':exp': expiresAtMs, ':ttl': Math.ceil(expiresAtMs / 1000) + 3600 },
        },
        {
          expression: '#owner = :owner AND version = :version AND expiresAtMs > :now',
          names: { '#owner': 'owner' },
          values: { ':owner': lease.owner, ':version': lease.version, ':now': now },
        },
      );
      return { ...lease, version: Number(updated.version), expiresAtMs };
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new LeaseLostError(lease);
      throw error;
    }
  }

  /** Gives the lease up; a lease already lost is not an error. */
  async release(lease: Lease): Promise<void> {
    try {
      await this.store.update(
        leaseKey(lease.name),
        { expression: 'SET expiresAtMs = :zero REMOVE #owner', names: { '#owner': 'owner' }, values: { ':zero': 0 } },
        {
          expression: '#owner = :owner AND version = :version',
          names: { '#owner': 'owner' },
          values: { ':owner': lease.owner, ':version': lease.version },
        },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

/**
 * The condition that fences a write by a lease: the write lands only while
 * the holder that acquired this version still holds it (a takeover bumps the
 * version, a release removes the owner).
 */
export function fenceOf(lease: Lease): Fence {
  return {
    key: leaseKey(lease.name),
    condition: {
      expression: '#fenceOwner = :fenceOwner AND version = :fenceVersion',
      names: { '#fenceOwner': 'owner' },
      values: { ':fenceOwner': lease.owner, ':fenceVersion': lease.version },
    },
    lost: () => new LeaseLostError(lease),
  };
}
