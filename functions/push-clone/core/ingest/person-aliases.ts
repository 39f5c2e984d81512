import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';
import { chunks, forEachLimit } from '#shared/collections.ts';
import { keys } from '#functions/push-clone/core/model.ts';

/**
 * One person per profile, across deliveries. A profile's emails (in the
 * parser's resolution order) name one person: the email of the first that is
 * already known (`ALIAS#<destinationId>#S<n>` / `<email>` -> person), or else its
 * first email. Every email of the profile is then remembered as pointing to
 * that person, so a later exit or update naming any of them (the primary
 * changed, an email was added or dropped) reaches the same memberships.
 *
 * Aliases are only written by ingest, which runs under the instance's lease,
 * so there is one writer per destination and no race between two resolutions.
 * An alias is never re-pointed: the first person an email was seen with keeps it.
 */
const aliasSchema = z.object({ person: z.string() });
const BATCH_GET = 100;
const BATCH_WRITE = 25;

export class PersonAliases {
  private readonly known = new Map<string, string>();
  /** Emails whose alias was stored before this ingest. */
  private readonly stored = new Set<string>();
  private readonly fresh = new Map<string, string>();

  private constructor(private readonly destinationId: string) {}

  /** Reads the aliases of every email the profiles name (BatchGets of 100). */
  static async load(store: Store, destinationId: string, emailLists: ReadonlyArray<readonly string[]>, concurrency: number): Promise<PersonAliases> {
    const aliases = new PersonAliases(destinationId);
    const emails = [...new Set(emailLists.flat())];
    await forEachLimit(chunks(emails, BATCH_GET), concurrency, async (batch) => {
      for (const item of await store.getMany(batch.map((email) => keys.alias(destinationId, email)))) {
        const alias = aliasSchema.safeParse(item);
        if (alias.success) {
          aliases.known.set(item.sk, alias.data.person);
          aliases.stored.add(item.sk);
        }
      }
    });
    return aliases;
  }

  /** The person of a profile's emails (resolution order), remembering the new aliases it implies. */
  resolve(emails: readonly string[]): string {
    const person = emails.map((email) => this.known.get(email)).find((found) => found !== undefined) ?? emails[0] ?? '';
    for (const email of emails) {
      if (this.known.has(email)) continue;
      this.known.set(email, person);
      this.fresh.set(email, person);
    }
    return person;
  }

  /**
   * Whether this destination had never met the person before this ingest. A
   * person's own alias is written before any of its memberships, so such a
   * person has none: its memberships can be created without reading them
   * first. (A membership older than aliases makes the create's condition
   * fail, and that fold is done again the careful way: a wrong guess costs
   * time, never a result.)
   */
  isUnseen(person: string): boolean {
    return !this.stored.has(person);
  }

  /**
   * Writes the aliases learnt since load (before the memberships they lead
   * to, so a crash never leaves a person without them), BatchWrites of 25
   * with `concurrency` in flight: on a first push every person has one.
   */
  async save(store: Store, concurrency: number): Promise<void> {
    if (this.fresh.size === 0) return;
    const items = [...this.fresh].map(([email, person]) => ({ ...keys.alias(this.destinationId, email), type: 'push-alias', person }));
    await forEachLimit(chunks(items, BATCH_WRITE), concurrency, (batch) => store.putMany(batch));
    this.fresh.clear();
  }
}
