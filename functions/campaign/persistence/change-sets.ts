import type { Store } from '#shared/store/index.ts';

/** Marks an applied change set's history item (`CAMPAIGN#<account>` / `CHANGESET#...`) as published on the bus. */
export async function markChangeSetPublished(store: Store, key: { pk: string; sk: string }): Promise<void> {
  await store.update({ pk: key.pk, sk: key.sk }, { expression: 'SET published = :yes', values: { ':yes': true } });
}
