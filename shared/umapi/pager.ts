export interface UmapiPage<T> {
  /** The page number this is (UMAPI counts from 0). */
  page: number;
  items: T[];
  lastPage: boolean;
  /** The cursor to persist once this page is processed; undefined after the last page. */
  nextPage: number | undefined;
}

export interface FetchedPage<T> {
  items: T[];
  lastPage: boolean;
  /** Groups past the last page: `{"lastPage":true,"result":"Not found"}`. */
  outOfRange: boolean;
  /** X-Current-Page, when UMAPI sent it. */
  servedPage: number | undefined;
}

/**
 * Pages through a UMAPI listing from a resumable cursor. It stops on
 * `lastPage`, on the groups "Not found" answer, and on the users quirk: asking
 * past the last page of users returns the last page again, so a loop that
 * waits for an empty page never ends (getUsersByGroup.md, `page`).
 */
export class UmapiPager<T> implements AsyncIterable<UmapiPage<T>> {
  private next: number | undefined;

  constructor(
    startPage: number,
    private readonly fetchPage: (page: number) => Promise<FetchedPage<T>>,
    private readonly itemKey: (item: T) => string,
  ) {
    if (!Number.isInteger(startPage) || startPage < 0) throw new RangeError(`UMAPI pages count from 0; got ${startPage}`);
    this.next = startPage;
  }

  /** The next page to fetch (the page that failed, after an error); undefined once done. */
  get cursor(): number | undefined {
    return this.next;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UmapiPage<T>> {
    let previousKeys: string | undefined;
    while (this.next !== undefined) {
      const page = this.next;
      const fetched = await this.fetchPage(page);
      const keys = fetched.items.map(this.itemKey).join('\n');
      if (fetched.outOfRange || keys === previousKeys) {
        this.next = undefined;
        return;
      }
      previousKeys = keys;
      // A page other than the one asked for is the "last page again" answer: take it, and stop.
      const repeated = fetched.servedPage !== undefined && fetched.servedPage !== page;
      const lastPage = fetched.lastPage || repeated || fetched.items.length === 0;
      this.next = lastPage ? undefined : page + 1;
      yield { page, items: fetched.items, lastPage, nextPage: this.next };
    }
  }
}
