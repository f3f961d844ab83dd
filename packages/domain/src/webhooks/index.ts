/** Webhooks (issue 13): endpoints, the outbox of deliveries, their queue and relay, the SSRF guard, scopes. */
export { attemptDelivery, signedHeaders, type AttemptResult, type DeliveryDeps, type DeliveryOutcome } from './deliver';
export {
  deliveryJobOptions, relayNewDeliveries, republishPendingDeliveries, webhookDeliveriesQueue, webhookDeliveryJobName, webhookDeliveryPayload,
  type RetryPolicy, type WebhookDeliveryPayload,
} from './delivery-queue';
export { deleteOldDeliveries } from './delivery-retention';
export { pageDeliveries, type DeliveryRow } from './delivery-store';
export { createEndpoint, deleteEndpoint, findEndpoint, listEndpoints, rotateSecret, type EndpointRow, type EndpointWithSecret } from './endpoint-store';
export { maxResponseBytes } from './http-post';
export { manageWebhooks, readWebhooks, webhookScopes } from './policy';
export {
  deliveryStatuses, jobEndedPayload, maxEndpointsPerClient, maxWebhookUrlLength, retryDelaysMs, secretOverlapMs, urlRefused, webhookEnvFields,
  webhookEventTypes, webhookNotFound, type DeliveryStatus, type JobEndedPayload, type WebhookEventType,
} from './rules';
export { checkEndpointUrl } from './url-check';
export { AddressRefused, nonPublicRange, resolvePublic } from './ssrf-guard';
