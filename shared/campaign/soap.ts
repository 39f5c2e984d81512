import { childNamed, escapeXml, localName, parseXml, XmlError, type XmlElement } from './xml';

/**
 * Campaign's SOAP 1.1 envelope, as Adobe's "Web service calls" and "Data
 * oriented APIs" pages show it (and as Adobe's acc-js-sdk writes it): the
 * method element in namespace `urn:<schema>`, a `sessiontoken` string first,
 * typed parameters, and `<Method>Response` or `SOAP-ENV:Fault` in the body.
 * Used by our client and by the local Campaign sandbox.
 */
const NS_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const NS_XSD = 'http://www.w3.org/2001/XMLSchema';
const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const NS_XML_SOAP = 'http://xml.apache.org/xml-soap';
const ENCODING_NATIVE = 'http://schemas.xmlsoap.org/soap/encoding/';
const ENCODING_LITERAL_XML = 'http://xml.apache.org/xml-soap/literalxml';

const envelope = (header: string, body: string) =>
  `<?xml version='1.0' encoding='UTF-8'?><SOAP-ENV:Envelope xmlns:xsd='${NS_XSD}' xmlns:xsi='${NS_XSI}' xmlns:ns='${NS_XML_SOAP}' xmlns:SOAP-ENV='${NS_ENV}'>${header}<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

export function stringParam(name: string, value: string): string {
  return `<${name} xsi:type='xsd:string'>${escapeXml(value)}</${name}>`;
}

/** An XML document or element parameter (`DOMDocument` / `DOMElement` in the schema's method definition). */
export function elementParam(name: string, xml: string): string {
  return `<${name} xsi:type='ns:Element' SOAP-ENV:encodingStyle='${ENCODING_LITERAL_XML}'>${xml}</${name}>`;
}

/** A call of `service#method`; the session token goes first, the security token in the SOAP header (and in HTTP headers, by the caller). */
export function soapRequest(service: string, method: string, params: string[], tokens: { session: string; security: string }): string {
  const header = `<SOAP-ENV:Header>${tokens.session ? `<Cookie>__sessiontoken=${escapeXml(tokens.session)}</Cookie>` : ''}<X-Security-Token>${escapeXml(tokens.security)}</X-Security-Token></SOAP-ENV:Header>`;
  const body = `<m:${method} xmlns:m='urn:${service}' SOAP-ENV:encodingStyle='${ENCODING_NATIVE}'>${stringParam('sessiontoken', tokens.session)}${params.join('')}</m:${method}>`;
  return envelope(header, body);
}

export function soapResponse(service: string, method: string, params: string[]): string {
  return envelope('', `<${method}Response xmlns='urn:${service}' SOAP-ENV:encodingStyle='${ENCODING_NATIVE}'>${params.join('')}</${method}Response>`);
}

export interface SoapFault {
  /** `SOAP-ENV:Client` (the request is wrong) or `SOAP-ENV:Server`. */
  faultcode: string;
  /** Campaign puts its error code first, e.g. `XSV-350008 Session has expired or is invalid. Please reconnect.` */
  faultstring: string;
  detail?: string;
}

export function soapFault(fault: SoapFault): string {
  const detail = fault.detail === undefined ? '' : `<detail xsi:type='xsd:string'>${escapeXml(fault.detail)}</detail>`;
  return envelope('', `<SOAP-ENV:Fault><faultcode>${escapeXml(fault.faultcode)}</faultcode><faultstring xsi:type='xsd:string'>${escapeXml(fault.faultstring)}</faultstring>${detail}</SOAP-ENV:Fault>`);
}

/** Campaign's error code at the start of a fault string (`XSV-350008`, `SOP-330011`), as Adobe's SDK extracts it. */
export function faultCodeOf(faultstring: string): string | undefined {
  return /^([A-Z]{3}-\d{6})\b/.exec(faultstring.trim())?.[1];
}

export type SoapAnswer = { kind: 'response'; params: XmlElement[] } | { kind: 'fault'; fault: SoapFault };

/** Reads a response envelope: the `<method>Response` parameters, or the fault. Throws XmlError when it is neither. */
export function readSoapResponse(xml: string, method: string): SoapAnswer {
  const body = soapBody(xml);
  const first = body.children[0];
  if (!first) throw new XmlError('empty SOAP body');
  if (localName(first.name) === 'Fault') {
    const detail = childNamed(first, 'detail')?.text;
    return {
      kind: 'fault',
      fault: { faultcode: childNamed(first, 'faultcode')?.text.trim() ?? '', faultstring: childNamed(first, 'faultstring')?.text.trim() ?? '', ...(detail === undefined ? {} : { detail: detail.trim() }) },
    };
  }
  if (localName(first.name) !== `${method}Response`) throw new XmlError(`expected ${method}Response, got ${first.name}`);
  return { kind: 'response', params: first.children };
}

/** The Body of a SOAP envelope (either side). */
export function soapBody(xml: string): XmlElement {
  const root = parseXml(xml);
  if (localName(root.name) !== 'Envelope') throw new XmlError('not a SOAP envelope');
  const body = childNamed(root, 'Body');
  if (!body) throw new XmlError('SOAP envelope without a Body');
  return body;
}

/** The single element inside an `ns:Element` parameter. */
export function innerElement(param: XmlElement | undefined): XmlElement | undefined {
  return param?.children[0];
}
