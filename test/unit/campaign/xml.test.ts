import { describe, expect, it } from 'vitest';
import { readSoapResponse, soapFault, soapRequest, soapResponse, stringParam } from '#shared/campaign/soap.ts';
import { parseXml, serializeXml, xmlElement, XmlError } from '#shared/campaign/xml.ts';

describe('Campaign XML', () => {
  it('parses elements, attributes in either quote, entities, CDATA and comments', () => {
    const root = parseXml(`<?xml version='1.0'?><!-- c --><a x='1' y="&lt;2&gt;"><b>t&amp;u&#65;&#x42;</b><![CDATA[<raw>]]><c/></a>`);
    expect(root).toMatchObject({ name: 'a', attributes: { x: '1', y: '<2>' }, text: '<raw>' });
    expect(root.children.map((child) => [child.name, child.text])).toEqual([['b', 't&uAB'], ['c', '']]);
  });

  it.each([
    ['a DOCTYPE (no entity expansion)', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['a mismatched end tag', '<a><b></a></b>'],
    ['a bare ampersand', '<a>x & y</a>'],
    ['an unknown entity', '<a>&x;</a>'],
    ['content after the root', '<a/><b/>'],
    ['an unterminated attribute', '<a x="1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
  ])('refuses %s', (_label, source) => {
    expect(() => parseXml(source)).toThrow(XmlError);
  });

  it('escapes what it writes, so a value cannot open an element', () => {
    const written = xmlElement('operator', { name: `o'brien"<x>&` }, xmlElement('group', { name: 'a' }));
    const parsed = parseXml(written);
    expect(parsed.attributes.name).toBe(`o'brien"<x>&`);
    expect(serializeXml(parsed)).toBe(written);
  });

  it('reads a response, a fault with its Campaign code, and refuses an envelope for another method', () => {
    const response = soapResponse('xtk:session', 'Write', [stringParam('p', 'v')]);
    expect(readSoapResponse(response, 'Write')).toMatchObject({ kind: 'response', params: [{ name: 'p', text: 'v' }] });
    expect(() => readSoapResponse(response, 'Logon')).toThrow(XmlError);
    const fault = soapFault({ faultcode: 'SOAP-ENV:Client', faultstring: 'XSV-350008 Session has expired or is invalid. Please reconnect.' });
    expect(readSoapResponse(fault, 'Write')).toEqual({ kind: 'fault', fault: { faultcode: 'SOAP-ENV:Client', faultstring: 'XSV-350008 Session has expired or is invalid. Please reconnect.' } });
    const request = parseXml(soapRequest('xtk:queryDef', 'ExecuteQuery', [], { session: 's&1', security: '@t' }));
    expect(JSON.stringify(request)).toContain('__sessiontoken=s&1');
  });
});
