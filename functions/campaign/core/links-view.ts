import type { Store } from '#shared/store/index.ts';
import { readStatus, requireAccount } from './accounts';
import { readCursorHead } from './cursor';
import { lastChangeSets, readLinks } from './history';

/** How many applied change sets GET .../links shows. */
const RECENT_CHANGE_SETS = 10;

/** Current links (operator group -> profiles and users) and the last applied change sets, newest first. */
export async function readLinksView(store: Store, account: string) {
  await requireAccount(store, account);
  const [links, changeSets, status, cursor] = await Promise.all([readLinks(store, account), lastChangeSets(store, account, RECENT_CHANGE_SETS), readStatus(store, account), readCursorHead(store, account)]);
  return {
    account,
    links: links.map((link) => ({ ...link, userCount: link.emails.length })),
    lastChangeSets: changeSets,
    status: { ...status, ...(cursor ? { resumeAt: new Date(cursor.resumeAt).toISOString(), resuming: true } : { resuming: false }) },
  };
}
