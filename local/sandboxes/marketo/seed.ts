import { demo } from '#local/demo-identities.ts';
import type { MarketoState } from './state';

/**
 * The demo instance: a few dozen people, the demo static list (1001) with a
 * few members and an empty one (1002), the IDs `npm start`'s walk-through and
 * the tests expect.
 */
const FIRST_NAMES = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Luca'];
const LAST_NAMES = ['Rivera', 'Okafor', 'Lindqvist'];
const COMPANIES = ['Acme, Inc.', 'Globex', 'Initech', 'Umbrella "Labs"'];

export const DEMO_LEAD_COUNT = 36;
export const DEMO_LIST_MEMBER_COUNT = 5;

export function seedDemoInstance(state: MarketoState): void {
  state.createLead({ email: demo.marketo.adminEmail, firstName: 'Morgan', lastName: 'Admin', company: 'Demo Org' });
  for (let index = 1; index < DEMO_LEAD_COUNT; index += 1) {
    const firstName = FIRST_NAMES[index % FIRST_NAMES.length] ?? 'Demo';
    const lastName = LAST_NAMES[index % LAST_NAMES.length] ?? 'Person';
    state.createLead({
      email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase(),
      firstName,
      lastName,
      company: COMPANIES[index % COMPANIES.length] ?? null,
    });
  }
  state.addList('orgbridge demo list', demo.marketo.staticListId);
  state.addList('orgbridge empty list', demo.marketo.emptyListId);
  for (let id = 2; id < 2 + DEMO_LIST_MEMBER_COUNT; id += 1) state.addMember(demo.marketo.staticListId, id);
}
