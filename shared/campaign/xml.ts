/**
 * Just enough XML for Campaign's SOAP API: elements, attributes, text,
 * comments, CDATA and the five predefined entities plus character references.
 * A DOCTYPE is refused (no entity expansion, so no XXE or "billion laughs"),
 * and anything malformed throws XmlError rather than being guessed at.
 */
export interface XmlElement {
  /** The qualified name as written, e.g. `SOAP-ENV:Body`. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_][\w.:-]*/y;

export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (what: string): never => {
    throw new XmlError(`${what} at offset ${pos}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (pos < source.length && /\s/.test(source[pos] ?? '')) pos += 1;
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<!DOCTYPE', pos) || source.startsWith('<!doctype', pos)) {
        fail('DOCTYPE is not accepted');
      } else return;
    }
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (!match) return fail('name expected');
    pos += match[0].length;
    return match[0];
  };
  const parseElement = (): XmlElement => {
    if (source[pos] !== '<') fail('element expected');
    pos += 1;
    const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(source[pos] ?? '')) pos += 1;
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return element;
      }
      if (source[pos] === '>') {
        pos += 1;
        break;
      }
      const attribute = readName();
      while (/\s/.test(source[pos] ?? '')) pos += 1;
      if (source[pos] !== '=') fail(`"=" expected after attribute ${attribute}`);
      pos += 1;
      while (/\s/.test(source[pos] ?? '')) pos += 1;
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") return fail('quoted attribute value expected');
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(pos + 1, end);
      if (raw.includes('<')) fail('"<" in an attribute value');
      if (Object.hasOwn(element.attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      element.attributes[attribute] = decodeEntities(raw);
      pos = end + 1;
    }
    for (;;) {
      if (pos >= source.length) fail(`unclosed element ${element.name}`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const name = readName();
        if (name !== element.name) fail(`</${name}> closes <${element.name}>`);
        while (/\s/.test(source[pos] ?? '')) pos += 1;
        if (source[pos] !== '>') fail('">" expected');
        pos += 1;
        return element;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        element.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source[pos] === '<') {
        element.children.push(parseElement());
      } else {
        const end = source.indexOf('<', pos);
        if (end < 0) fail(`unclosed element ${element.name}`);
        element.text += decodeEntities(source.slice(pos, end));
        pos = end;
      }
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);|&/g, (whole, entity: string | undefined) => {
    if (entity === undefined) throw new XmlError('bare "&" (use &amp;)');
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[entity] ?? whole;
  });
}

/** `SOAP-ENV:Body` -> `Body`. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

export function childNamed(element: XmlElement, local: string): XmlElement | undefined {
  return element.children.find((child) => localName(child.name) === local);
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<name a="1">children</name>`, attributes escaped; undefined attributes are left out. */
export function xmlElement(name: string, attributes: Record<string, string | number | undefined> = {}, ...children: string[]): string {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
  return children.length === 0 ? `<${name}${attrs}/>` : `<${name}${attrs}>${children.join('')}</${name}>`;
}

/** Serializes a parsed element back (used by the sandbox to echo documents). */
export function serializeXml(element: XmlElement): string {
  const text = element.text.trim() ? escapeXml(element.text) : '';
  const inner = text + element.children.map(serializeXml).join('');
  return inner ? xmlElement(element.name, element.attributes, inner) : xmlElement(element.name, element.attributes);
}
