import type { Store } from '#shared/store/index.ts';
import { keys } from '#functions/campaign/core/model.ts';

/** Sets the given fields of an account's sync status (`CAMPAIGN#<account>` / `STATUS`); an undefined value removes the field. */
export async function markStatus(store: Store, account: string, fields: Record<string, number | string | undefined>): Promise<void> {
  const set = Object.entries(fields).filter(([, value]) => value !== undefined);
  const remove = Object.entries(fields).filter(([, value]) => value === undefined);
  const names = Object.fromEntries(Object.keys(fields).map((name, index) => [`#f${index}`, name]));
  const alias = (name: string) => `#f${Object.keys(fields).indexOf(name)}`;
  const expression = [
    set.length ? `SET ${set.map(([name]) => `${alias(name)} = :${name}`).join(', ')}` : '',
    remove.length ? `REMOVE ${remove.map(([name]) => alias(name)).join(', ')}` : '',
  ].filter(Boolean).join(' ');
  await store.update(keys.status(account), { expression, names, values: set.length ? Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])) : undefined });
}
