/**
 * Every job type Jabba runs, from the features that define them. The worker builds its handlers from
 * this list and the api its job views and access checks, so the two cannot disagree about a type.
 */
import { handlerRegistry, type HandlerDeps, type HandlerRegistry } from './engine';
import { deviceRegistryJob } from './device-registry';
import { destinationDeletionJob, destinationTransitionJob } from './destinations';
import { mergeCandidateImportJob } from './merge-review';

export const jobCatalog = [deviceRegistryJob, destinationTransitionJob, destinationDeletionJob, mergeCandidateImportJob] as const;

/** What the worker gives the handlers: a clock and the rules of its configuration. */
export type JobHandlerDeps = HandlerDeps<typeof jobCatalog>;

export const jobHandlers = (deps: JobHandlerDeps): HandlerRegistry => handlerRegistry(jobCatalog, deps);
