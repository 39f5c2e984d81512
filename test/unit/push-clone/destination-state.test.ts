import { describe, expect, it } from 'vitest';
import { withRunState, type DestinationSetup } from '#functions/push-clone/core/instance/destination-state.ts';
import { destinationFixture } from '#test/support/push-clone-fixtures.ts';

const END = '2026-03-01T00:00:00.000Z';
const setup = (overrides: Partial<DestinationSetup> = {}): DestinationSetup =>
  destinationFixture({
    destinationId: 'd1',
    audiences: [
      { audienceId: 'a1', listId: 1001, startDate: '2026-01-01T00:00:00.000Z', endDate: END },
      { audienceId: 'a2', listId: 1002, startDate: '2026-01-01T00:00:00.000Z' },
    ],
    version: 3,
    ...overrides,
  });

describe('withRunState: the destination as readers see it', () => {
  it('is stopped only by a stop recorded against the setup version it has now', () => {
    expect(withRunState(setup(), { stopped: { reason: 'list gone', version: 3 }, ended: {} })).toMatchObject({ state: 'stopped', stoppedReason: 'list gone' });
    const saved = withRunState(setup({ version: 4 }), { stopped: { reason: 'list gone', version: 3 }, ended: {} });
    expect(saved.state).toBe('active');
    expect(saved).not.toHaveProperty('stoppedReason');
    expect(withRunState(setup(), { ended: {} }).state).toBe('active');
  });

  it('reads a setup saved before versions existed as version 0', () => {
    expect(withRunState(setup({ version: undefined }), { stopped: { reason: 'permission', version: 0 }, ended: {} }).state).toBe('stopped');
  });

  it('marks an audience ended only for the end date the mark was made for', () => {
    const mark = { a1: { endDate: END, at: '2026-03-01T00:05:00.000Z' } };
    expect(withRunState(setup(), { ended: mark }).audiences.map((audience) => audience.endHandledAt)).toEqual(['2026-03-01T00:05:00.000Z', undefined]);
    const moved = setup({ audiences: [{ audienceId: 'a1', listId: 1001, startDate: '2026-01-01T00:00:00.000Z', endDate: '2026-04-01T00:00:00.000Z' }] });
    expect(withRunState(moved, { ended: mark }).audiences[0]?.endHandledAt).toBeUndefined();
  });

  it('ignores an end mark carried in the setup itself: only the runner\'s item says so', () => {
    const stale = setup({ audiences: [{ audienceId: 'a1', listId: 1001, startDate: '2026-01-01T00:00:00.000Z', endDate: END, endHandledAt: '2026-01-02T00:00:00.000Z' }] });
    expect(withRunState(stale, { ended: {} }).audiences[0]?.endHandledAt).toBeUndefined();
  });
});
