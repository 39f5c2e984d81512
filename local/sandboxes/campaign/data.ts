import { localName, xmlElement, type XmlElement } from '#shared/campaign/xml.ts';
import type { CampaignInstance, CampaignOperator } from './instance';

/**
 * `xtk:queryDef#ExecuteQuery` and `xtk:session#Write` / `WriteCollection`
 * over the three schemas the sandbox holds, following Adobe's "Data
 * oriented APIs" page. What the sandbox cannot evaluate is refused with a
 * fault that says so, never answered with a guess.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

type Row = Record<string, string | number>;
/** A schema's rows with their attributes and linked elements (`operator/@name`). */
interface Table {
  element: string;
  rows(): Row[];
}

function tables(instance: CampaignInstance): Record<string, Table> {
  return {
    'xtk:operator': { element: 'operator', rows: () => [...instance.operators.values()].map(({ id, name, label }) => ({ id, name, label })) },
    'xtk:group': { element: 'group', rows: () => [...instance.groups.values()].map(({ id, name, label }) => ({ id, name, label })) },
    'xtk:operatorGroup': {
      element: 'operatorGroup',
      rows: () =>
        [...instance.links].map((key) => {
          const [operatorId = 0, groupId = 0] = key.split(':').map(Number);
          return { 'operator-id': operatorId, 'group-id': groupId, 'operator/name': instance.operators.get(operatorId)?.name ?? '', 'group/name': instance.groups.get(groupId)?.name ?? '' };
        }),
    },
  };
}

/** `@name`, `[@group-id]`, `[operator/@name]` -> the row field it names. */
function fieldOf(path: string): string {
  const match = /^\[?(?:(operator|group)\/)?@([\w-]+)\]?$/.exec(path.trim());
  if (!match) throw new DataError(`The sandbox cannot evaluate the expression "${path}".`);
  return match[1] ? `${match[1]}/${match[2]}` : (match[2] ?? '');
}

type Condition = (row: Row) => boolean;

function literal(raw: string): string | number {
  const text = raw.trim();
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted) return (quoted[1] ?? '').replace(/''/g, "'");
  if (/^-?\d+$/.test(text)) return Number(text);
  throw new DataError(`The sandbox cannot evaluate the value ${text}.`);
}

function splitList(raw: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of raw) {
    if (char === "'") quoted = !quoted;
    if (char === ',' && !quoted) {
      items.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) items.push(current);
  return items;
}

/** `operand = value`, `operand != value`, `operand IN (v, ...)`, with `Lower(operand)` allowed. */
function compileCondition(expr: string): Condition {
  const match = /^\s*(Lower\(\s*([^)]+?)\s*\)|[^\s=!]+)\s*(=|!=|IN)\s*(.+?)\s*$/i.exec(expr);
  if (!match) throw new DataError(`The sandbox cannot evaluate the condition "${expr}".`);
  const lower = match[2] !== undefined;
  const field = fieldOf(match[2] ?? match[1] ?? '');
  const operator = (match[3] ?? '').toUpperCase();
  const read = (row: Row) => {
    const value = row[field];
    if (value === undefined) throw new DataError(`The schema has no field "${field}".`);
    return lower && typeof value === 'string' ? value.toLowerCase() : value;
  };
  if (operator === 'IN') {
    const list = /^\((.*)\)$/.exec(match[4] ?? '');
    if (!list) throw new DataError(`IN needs a list in parentheses: "${expr}".`);
    const values = new Set(splitList(list[1] ?? '').map(literal));
    return (row) => values.has(read(row));
  }
  const value = literal(match[4] ?? '');
  return operator === '=' ? (row) => read(row) === value : (row) => read(row) !== value;
}

function whereOf(queryDef: XmlElement): Condition[] {
  const where = queryDef.children.find((child) => child.name === 'where');
  return (where?.children ?? []).map((condition) => {
    if (condition.name !== 'condition' || condition.children.length > 0) throw new DataError('The sandbox evaluates flat <condition expr="..."/> lists only.');
    const bool = condition.attributes['bool-operator'];
    if (bool !== undefined && bool.toUpperCase() !== 'AND') throw new DataError(`The sandbox does not evaluate bool-operator="${bool}".`);
    return compileCondition(condition.attributes.expr ?? '');
  });
}

/** One output element per row: `@x` attributes on it, `[link/@x]` on a child element named after the link. */
function render(table: Table, row: Row, select: string[]): string {
  const attributes: Record<string, string | number> = {};
  const linked: Record<string, Record<string, string | number>> = {};
  for (const field of select) {
    const value = row[field];
    if (value === undefined) throw new DataError(`The schema has no field "${field}".`);
    const [link, attribute] = field.includes('/') ? field.split('/') : [undefined, field];
    if (link && attribute) (linked[link] ??= {})[attribute] = value;
    else attributes[field] = value;
  }
  return xmlElement(table.element, attributes, ...Object.entries(linked).map(([link, attrs]) => xmlElement(link, attrs)));
}

/** ExecuteQuery: the `pdomOutput` document for a `<queryDef>`. */
export function executeQuery(instance: CampaignInstance, queryDef: XmlElement): string {
  if (queryDef.name !== 'queryDef') throw new DataError('ExecuteQuery expects a <queryDef> document.');
  const schema = queryDef.attributes.schema ?? '';
  const table = tables(instance)[schema];
  if (!table) throw new DataError(`Schema '${schema}' is not held by the sandbox (xtk:operator, xtk:group, xtk:operatorGroup).`);
  const conditions = whereOf(queryDef);
  const rows = table.rows().filter((row) => conditions.every((condition) => condition(row)));
  const operation = queryDef.attributes.operation ?? 'select';
  if (operation === 'count') return xmlElement(table.element, { count: rows.length });
  const selectNode = queryDef.children.find((child) => child.name === 'select');
  const select = (selectNode?.children ?? []).map((node) => fieldOf(node.attributes.expr ?? ''));
  if (select.length === 0) throw new DataError('The query selects no field.');
  if (operation === 'get' || operation === 'getIfExists') {
    const [row] = rows;
    if (!row) {
      if (operation === 'get') throw new DataError(`No record of '${schema}' matches the query.`);
      return xmlElement(table.element);
    }
    return render(table, row, select);
  }
  if (operation !== 'select') throw new DataError(`Unknown query operation '${operation}'.`);
  const start = Number(queryDef.attributes.startLine ?? 0);
  const count = queryDef.attributes.lineCount === undefined ? rows.length : Number(queryDef.attributes.lineCount);
  return xmlElement(`${table.element}-collection`, {}, ...rows.slice(start, start + count).map((row) => render(table, row, select)));
}

type LinkWrite = { operation: 'insert' | 'insertOrUpdate' | 'delete' | 'none' | 'update'; key: string; operatorName: string; groupName: string };

/**
 * Write / WriteCollection: checked whole before anything is applied, so a
 * refused collection changes nothing (one transaction). Only the operator
 * <-> group relation and the label of existing operators and groups can be
 * written: the sandbox never creates operators or groups.
 */
export function write(instance: CampaignInstance, caller: CampaignOperator, document: XmlElement, collection: boolean): void {
  const schema = document.attributes.xtkschema;
  if (!schema) throw new DataError('The document has no xtkschema attribute.');
  const entries = collection ? document.children : [document];
  if (schema === 'xtk:operatorGroup') {
    if (!caller.rights.includes('admin')) throw new DataError(`Operator '${caller.name}' does not have the ADMINISTRATION right needed to write to schema 'xtk:operatorGroup'.`);
    const writes = entries.map((entry) => linkWrite(instance, entry));
    for (const change of writes) {
      if (change.operation === 'insert' && instance.links.has(change.key)) {
        throw new DataError(`PostgreSQL error: ERROR: duplicate key violates unique constraint "xtkoperatorgroup_id". Impossible to save document of type 'Operator groups (xtk:operatorGroup)'`);
      }
    }
    for (const change of writes) {
      if (change.operation === 'delete') instance.links.delete(change.key);
      else if (change.operation === 'insert' || change.operation === 'insertOrUpdate') instance.links.add(change.key);
    }
    return;
  }
  if (schema === 'xtk:operator' || schema === 'xtk:group') {
    const updates = entries.map((entry) => {
      const operation = entry.attributes._operation ?? 'insertOrUpdate';
      const name = entry.attributes.name ?? '';
      const target = schema === 'xtk:operator' ? instance.operatorNamed(name) : instance.groupNamed(name);
      if (!target) {
        if (operation === 'update') return undefined; // "update: does nothing if the data does not exist"
        throw new DataError(`The sandbox never creates ${schema === 'xtk:operator' ? 'operators' : 'operator groups'} ('${name}' does not exist).`);
      }
      if (operation !== 'update' && operation !== 'insertOrUpdate') throw new DataError(`The sandbox does not ${operation} '${schema}' records.`);
      return { target, label: entry.attributes.label };
    });
    for (const update of updates) if (update?.label !== undefined) update.target.label = update.label;
    return;
  }
  throw new DataError(`Schema '${schema}' is not held by the sandbox.`);
}

function linkWrite(instance: CampaignInstance, entry: XmlElement): LinkWrite {
  const operation = (entry.attributes._operation ?? 'insertOrUpdate') as LinkWrite['operation'];
  if (!['insert', 'insertOrUpdate', 'delete', 'none', 'update'].includes(operation)) throw new DataError(`Unknown _operation '${operation}'.`);
  const operator = reference(entry, 'operator', 'operator-id', (name) => instance.operatorNamed(name), (id) => instance.operators.get(id));
  const group = reference(entry, 'group', 'group-id', (name) => instance.groupNamed(name), (id) => instance.groups.get(id));
  if (!operator) throw new DataError(`The operator referenced by the document does not exist (${describe(entry, 'operator', 'operator-id')}).`);
  if (!group) throw new DataError(`The operator group referenced by the document does not exist (${describe(entry, 'group', 'group-id')}).`);
  return { operation, key: `${operator.id}:${group.id}`, operatorName: operator.name, groupName: group.name };
}

/** A link given by its foreign key (`operator-id="12"`) or by a linked element reconciled on its name (`<operator name="x"/>`). */
function reference<T>(entry: XmlElement, link: string, foreignKey: string, byName: (name: string) => T | undefined, byId: (id: number) => T | undefined): T | undefined {
  const id = entry.attributes[foreignKey];
  if (id !== undefined) return /^\d+$/.test(id) ? byId(Number(id)) : undefined;
  const element = entry.children.find((child) => localName(child.name) === link);
  const name = element?.attributes.name;
  if (name === undefined) throw new DataError(`The document names no ${link} (give @${foreignKey} or <${link} name="..."/>).`);
  return byName(name);
}

function describe(entry: XmlElement, link: string, foreignKey: string): string {
  const id = entry.attributes[foreignKey];
  if (id !== undefined) return `@${foreignKey}=${id}`;
  return `${link} '${entry.children.find((child) => localName(child.name) === link)?.attributes.name ?? ''}'`;
}
