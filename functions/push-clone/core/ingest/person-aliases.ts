import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';
import { chunks, forEachLimit } from '#shared/collections.ts';
import { keys } from '#functions/push-clone/core/model.ts';

/**
 * One person per profile, across deliveries. A profile's emails (in the
 * parser's resolution order) name one person: the person of the first email
 * already known, or else its first email. An email is known when an alias
 * names its person (`ALIAS#<destinationId>#S<n>` / `<email>` -> person), or
 * when it is itself a person: it has a membership in one of the destination's
 * audiences. So a later exit or update naming any of a profile's emails (the
 * primary changed, an email was added or dropped) reaches the same
 * memberships.
 *
 * Aliases are written only for profiles with more than one email, for each
 * of its emails that is not a person already (the profile's own person
 * included when new): a profile with one email
 * (nearly every profile) is its own person and costs no write, so a first
 * push writes two items a person, the membership's create and its
 * write-back (docs/scale.md). Whether an email is a person is read from the
 * memberships only for multi-email profiles, whose emails have no alias.
 *
 * Aliases are only written by ingest, which runs under the instance's lease,
 * so there is one writer per destination and no race between two resolutions.
 * An alias is never re-pointed, and an email that is a person is never
 * made another's: the first person an email was seen as keeps it.
 */
const aliasSchema = z.object({ person: z.string() });
const BATCH_GET = 100;
const BATCH_WRITE = 25;

export class PersonAliases {
  /** Email -> person: from stored aliases, and from this ingest's resolutions. */
  private readonly known = new Map<string, string>();
  /** Emails of multi-email profiles that are a person already (they have a membership). */
  private readonly persons = new Set<string>();
  private readonly fresh = new Map<string, string>();

  private constructor(private readonly destinationId: string) {}

  /**
   * Reads the aliases of every email the profiles name, and, for the emails
   * of multi-email profiles that have no alias, whether they have a
   * membership in one of `audienceIds` (BatchGets of 100).
   */
  static async load(store: Store, destinationId: string, audienceIds: readonly string[], emailLists: ReadonlyArray<readonly string[]>, concurrency: number): Promise<PersonAliases> {
    const aliases = new PersonAliases(destinationId);
    const emails = [...new Set(emailLists.flat())];
    await forEachLimit(chunks(emails, BATCH_GET), concurrency, async (batch) => {
      for (const item of await store.getMany(batch.map((email) => keys.alias(destinationId, email)))) {
        const alias = aliasSchema.safeParse(item);
        if (alias.success) aliases.known.set(item.sk, alias.data.person);
      }
    });
    const unaliased = [...new Set(emailLists.filter((list) => list.length > 1).flat())].filter((email) => !aliases.known.has(email));
    const wanted = unaliased.flatMap((email) => audienceIds.map((audienceId) => keys.membership(destinationId, audienceId, email)));
    await forEachLimit(chunks(wanted, BATCH_GET), concurrency, async (batch) => {
      for (const item of await store.getMany(batch)) aliases.persons.add(item.sk.slice('P#'.length));
    });
    return aliases;
  }

  /** The person of a profile's emails (resolution order), remembering the aliases it implies. */
  resolve(emails: readonly string[]): string {
    // The first email, in resolution order, that names a person: through an alias, or by being one.
    const person = emails.map((email) => this.known.get(email) ?? (this.persons.has(email) ? email : undefined)).find((found) => found !== undefined) ?? emails[0] ?? '';
    for (const email of emails) {
      if (this.known.has(email)) continue;
      // A person stays their own, even when a profile names them beside another person.
      const own = this.persons.has(email) ? email : person;
      this.known.set(email, own);
      // A multi-email profile's new person is written too, so its other emails' aliases always name a known person.
      if (emails.length > 1 && !this.persons.has(email)) this.fresh.set(email, own);
    }
    return person;
  }

  /**
   * Writes the aliases learnt since load (before the memberships they lead
   * to, so a crash never leaves a person without them), BatchWrites of 25
   * with `concurrency` in flight.
   */
  async save(store: Store, concurrency: number): Promise<void> {
    if (this.fresh.size === 0) return;
    const items = [...this.fresh].map(([email, person]) => ({ ...keys.alias(this.destinationId, email), type: 'push-alias', person }));
    await forEachLimit(chunks(items, BATCH_WRITE), concurrency, (batch) => store.putMany(batch));
    this.fresh.clear();
  }
}
