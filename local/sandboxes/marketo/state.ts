/**
 * The Marketo sandbox's database: leads, static lists, the lead fields and
 * the lead partitions the instance knows (all of it in its snapshot). Inspection methods return copies so tests cannot change
 * state behind the sandbox's back.
 */
export type FieldValue = string | number | boolean | null;

export interface SandboxLead {
  id: number;
  email: string | null;
  fields: Record<string, FieldValue>;
  partitionName: string;
  createdAt: string;
  updatedAt: string;
}

export interface SandboxList {
  id: number;
  name: string;
  memberIds: number[];
  createdAt: string;
  updatedAt: string;
}

interface StoredList {
  id: number;
  name: string;
  members: Set<number>;
  createdAt: string;
  updatedAt: string;
}

/** Standard REST field names (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/list-of-standard-fields). */
export const STANDARD_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'middleName',
  'salutation',
  'company',
  'title',
  'phone',
  'mobilePhone',
  'address',
  'city',
  'state',
  'country',
  'postalCode',
  'website',
  'industry',
  'leadSource',
  'unsubscribed',
] as const;

/** Fields Marketo sets itself: readable, never writable through sync. */
export const SYSTEM_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;

export const DEFAULT_PARTITION = 'Default';

/** A lead partition as `GET /rest/v1/leads/partitions.json` lists it. */
export interface SandboxPartition {
  id: number;
  name: string;
  description: string;
}

/** Data types Describe reports for the standard fields we know; every other field is a string. */
const FIELD_TYPES: Record<string, string> = {
  id: 'integer',
  email: 'email',
  phone: 'phone',
  mobilePhone: 'phone',
  website: 'url',
  unsubscribed: 'boolean',
  createdAt: 'datetime',
  updatedAt: 'datetime',
};

/** A field as Describe Lead shows it: the REST name, a friendly label, its type, and whether REST may write it. */
export interface DescribedSandboxField {
  id: number;
  displayName: string;
  dataType: string;
  length?: number;
  rest: { name: string; readOnly: boolean };
  soap: { name: string; readOnly: boolean };
}

/** `firstName` → `First Name`, as Marketo labels its fields. */
function displayNameOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface MarketoSnapshot {
  leads: SandboxLead[];
  lists: SandboxList[];
  /** The writable lead fields, as they are now (added and removed ones included). */
  fields: string[];
  /** Absent from files saved before partitions were kept: the default partition alone is assumed. */
  partitions?: SandboxPartition[];
  nextLeadId: number;
  nextListId: number;
}

const emailKey = (email: string) => email.trim().toLowerCase();

export class MarketoState {
  private readonly leadsById = new Map<number, SandboxLead>();
  /** Lower-cased email to lead IDs: Marketo matches emails case-insensitively, and duplicates can exist. */
  private readonly idsByEmail = new Map<string, Set<number>>();
  private readonly listsById = new Map<number, StoredList>();
  private readonly writableFields = new Set<string>(STANDARD_FIELDS);
  private readonly partitionsByName = new Map<string, SandboxPartition>([[DEFAULT_PARTITION, { id: 1, name: DEFAULT_PARTITION, description: 'Initial system lead partition' }]]);
  private nextLeadId = 1;
  private nextListId = 1100;

  constructor(private readonly now: () => number) {}

  /** Everything the instance holds, as JSON (the sandbox keeps it across `npm start` restarts). */
  snapshot(): MarketoSnapshot {
    return {
      leads: [...this.leadsById.values()],
      lists: this.allLists().map(({ memberIds, ...list }) => ({ ...list, memberIds })),
      fields: [...this.writableFields],
      partitions: this.partitions(),
      nextLeadId: this.nextLeadId,
      nextListId: this.nextListId,
    };
  }

  /** Replaces everything with a snapshot's content. */
  restore(raw: unknown): void {
    const snapshot = raw as MarketoSnapshot;
    this.leadsById.clear();
    this.idsByEmail.clear();
    this.listsById.clear();
    for (const lead of snapshot.leads) {
      this.leadsById.set(lead.id, { ...lead, email: null, fields: {} });
      this.writeFields(this.leadsById.get(lead.id) as SandboxLead, lead.fields);
    }
    for (const list of snapshot.lists) this.listsById.set(list.id, { id: list.id, name: list.name, members: new Set(list.memberIds), createdAt: list.createdAt, updatedAt: list.updatedAt });
    // The fields and partitions as they were, not merged with the defaults: a field removed before the restart stays removed.
    this.writableFields.clear();
    for (const field of snapshot.fields) this.writableFields.add(field);
    if (snapshot.partitions) {
      this.partitionsByName.clear();
      for (const partition of snapshot.partitions) this.partitionsByName.set(partition.name, { ...partition });
    }
    this.nextLeadId = snapshot.nextLeadId;
    this.nextListId = snapshot.nextListId;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  isField(name: string): boolean {
    return this.writableFields.has(name) || (SYSTEM_FIELDS as readonly string[]).includes(name);
  }

  isWritableField(name: string): boolean {
    return this.writableFields.has(name);
  }

  addField(name: string): void {
    this.writableFields.add(name);
  }

  /** A field deleted in Field Management: syncs naming it get 1006 from then on. */
  removeField(name: string): void {
    this.writableFields.delete(name);
  }

  /** Every field as Describe Lead lists it (system fields read-only). */
  describeFields(): DescribedSandboxField[] {
    const names = [...SYSTEM_FIELDS, ...this.writableFields];
    return names.map((name, index) => {
      const readOnly = (SYSTEM_FIELDS as readonly string[]).includes(name);
      const dataType = FIELD_TYPES[name] ?? 'string';
      return {
        id: index + 1,
        displayName: displayNameOf(name),
        dataType,
        ...(dataType === 'string' || dataType === 'email' ? { length: 255 } : {}),
        rest: { name, readOnly },
        soap: { name: name.charAt(0).toUpperCase() + name.slice(1), readOnly },
      };
    });
  }

  addPartition(name: string, description = ''): SandboxPartition {
    const existing = this.partitionsByName.get(name);
    if (existing) return existing;
    const partition = { id: this.partitionsByName.size + 1, name, description };
    this.partitionsByName.set(name, partition);
    return partition;
  }

  partitions(): SandboxPartition[] {
    return [...this.partitionsByName.values()];
  }

  isPartition(name: string): boolean {
    return this.partitionsByName.has(name);
  }

  createLead(fields: Record<string, FieldValue>, partitionName = DEFAULT_PARTITION): SandboxLead {
    const at = this.stamp();
    const lead: SandboxLead = { id: this.nextLeadId++, email: null, fields: {}, partitionName, createdAt: at, updatedAt: at };
    this.leadsById.set(lead.id, lead);
    this.writeFields(lead, fields);
    return lead;
  }

  updateLead(id: number, fields: Record<string, FieldValue>): SandboxLead | undefined {
    const lead = this.leadsById.get(id);
    if (!lead) return undefined;
    this.writeFields(lead, fields);
    lead.updatedAt = this.stamp();
    return lead;
  }

  private writeFields(lead: SandboxLead, fields: Record<string, FieldValue>): void {
    for (const [name, value] of Object.entries(fields)) {
      if (name === 'id') continue;
      lead.fields[name] = value;
    }
    const email = typeof lead.fields.email === 'string' && lead.fields.email !== '' ? lead.fields.email : null;
    if (email !== lead.email) {
      if (lead.email) this.idsByEmail.get(emailKey(lead.email))?.delete(lead.id);
      if (email) {
        const ids = this.idsByEmail.get(emailKey(email)) ?? new Set<number>();
        ids.add(lead.id);
        this.idsByEmail.set(emailKey(email), ids);
      }
      lead.email = email;
    }
  }

  lead(id: number): SandboxLead | undefined {
    return this.leadsById.get(id);
  }

  /** Leads whose `field` equals `value`; emails compare case-insensitively. */
  leadsMatching(field: string, value: FieldValue): SandboxLead[] {
    if (field === 'id') {
      const lead = this.leadsById.get(Number(value));
      return lead ? [lead] : [];
    }
    if (field === 'email') {
      if (typeof value !== 'string') return [];
      const ids = this.idsByEmail.get(emailKey(value));
      return ids ? [...ids].flatMap((id) => this.leadsById.get(id) ?? []) : [];
    }
    return [...this.leadsById.values()].filter((lead) => lead.fields[field] === value);
  }

  allLeads(): SandboxLead[] {
    return [...this.leadsById.values()];
  }

  /** Emails held by more than one lead: what racing upserts of one email leave behind. */
  duplicateEmails(): string[] {
    return [...this.idsByEmail.entries()].filter(([, ids]) => ids.size > 1).map(([email]) => email);
  }

  addList(name: string, id?: number): StoredList {
    const listId = id ?? this.nextListId++;
    if (this.listsById.has(listId)) throw new Error(`list ${listId} already exists`);
    const at = this.stamp();
    const list: StoredList = { id: listId, name, members: new Set(), createdAt: at, updatedAt: at };
    this.listsById.set(listId, list);
    return list;
  }

  list(id: number): StoredList | undefined {
    return this.listsById.get(id);
  }

  addMember(listId: number, leadId: number): void {
    const list = this.listsById.get(listId);
    if (!list || !this.leadsById.has(leadId)) throw new Error(`cannot add lead ${leadId} to list ${listId}`);
    list.members.add(leadId);
    list.updatedAt = this.stamp();
  }

  removeMember(listId: number, leadId: number): boolean {
    const list = this.listsById.get(listId);
    const removed = list?.members.delete(leadId) ?? false;
    if (list && removed) list.updatedAt = this.stamp();
    return removed;
  }

  /** Member IDs in ascending order, the order Marketo pages them in. */
  memberIds(listId: number): number[] {
    return [...(this.listsById.get(listId)?.members ?? [])].sort((a, b) => a - b);
  }

  allLists(): SandboxList[] {
    return [...this.listsById.values()].map((list) => ({
      id: list.id,
      name: list.name,
      memberIds: this.memberIds(list.id),
      createdAt: list.createdAt,
      updatedAt: list.updatedAt,
    }));
  }
}

export function copyLead(lead: SandboxLead): SandboxLead {
  return { ...lead, fields: { ...lead.fields } };
}

/** A lead as the REST API shows it: `id` plus the asked-for fields that have a value. */
export function leadView(lead: SandboxLead, fields: readonly string[]): Record<string, FieldValue> {
  const view: Record<string, FieldValue> = { id: lead.id };
  for (const field of fields) {
    if (field === 'id') continue;
    const value = field === 'createdAt' ? lead.createdAt : field === 'updatedAt' ? lead.updatedAt : lead.fields[field];
    if (value !== undefined && value !== null) view[field] = value;
  }
  return view;
}

/** Fields returned when a read names none (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/leads). */
export const DEFAULT_READ_FIELDS = ['id', 'email', 'updatedAt', 'createdAt', 'firstName', 'lastName'] as const;
