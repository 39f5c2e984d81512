export { CAMPAIGN_SCOPES, CampaignClient, CampaignFaultError, CampaignUnavailableError } from './client';
export type { CampaignClientOptions } from './client';
export { escapeXml, xmlElement } from './xml';
export type { XmlElement } from './xml';
