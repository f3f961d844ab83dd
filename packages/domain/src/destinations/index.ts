/** The FIT-Connect destination lifecycle (SPEC §4): rules, store, jobs, sweep and scopes. */
export { pageDestinations, type DestinationListOrder } from './destination-listing';
export { findDestination, stateOf, type DestinationRow } from './destination-rows';
export { addCaseEvent, addCaseReply, caseDestinationId, caseNotFound, createDestination, createSubmission, deleteDestination } from './destination-writes';
export { destinationDeletionJob, destinationTransitionJob, maxBulkTransition, submitTransitions, type TransitionReach } from './jobs';
export { createDestinations, destinationScopes, listDestinations, manageDestination, manageDestinations, readDestination, sendToDestination } from './policy';
export { assertTransition, decommissionAllowedFrom, destinationEnvFields, destinationNotFound, destinationStateInvalidType, destinationStatuses, type DestinationStatus, type TransitionRules } from './rules';
export { sweepDestinations } from './sweep';
