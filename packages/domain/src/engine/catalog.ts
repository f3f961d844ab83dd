/**
 * A job type is declared once, beside its feature, with `defineJobType({...})`: what the engine
 * stores (its type string, name, strategy, chunk size), the schemas of its meta and its tasks' meta
 * and input, its handler, the GraphQL type that renders it and who may read or change it. The
 * worker's handlers and the api's job views are built from the list of definitions
 * (`job-catalog.ts`); a definition without a handler or an access policy does not compile. Only the
 * type string is stored with a job, so a definition may change anything else between deploys as
 * long as its schemas still accept the rows already stored.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import type { Principal } from '../identity';
import type { TaskHandler } from './handler';
import type { JobStrategy } from './status-rules';

/** The GraphQL type of a job whose type has no typed view. */
export const genericJobView = 'GenericJob';

/** What a job check may look at: the job itself, besides the caller. */
export interface JobSubject {
  id: string;
  clientId: string | null;
}

/**
 * A check on one job. Every identity `Check` is one (it ignores the job); a check that needs the
 * job's objects (the destinations a transition job changes) reads them through `job`.
 */
export type JobCheck = (principal: Principal, em: EntityManager, job: JobSubject) => void | Promise<void>;

/**
 * Who may do what with a job of one type, each list in the order its spec gives the checks. Both
 * lists must hold at least one check: nothing is allowed by default, so a type nobody may read says
 * so with a check that refuses everyone.
 */
export interface JobAccess {
  /** To read the job and its tasks (status, progress, error report). */
  read: readonly JobCheck[];
  /** To cancel it or retry its failed tasks. Writing never implies reading. */
  write: readonly JobCheck[];
}

const needsTheJob = Symbol('needsTheJob');

/**
 * Marks a check that looks at the job's own objects (the destinations a transition job changes).
 * Every other check decides from the caller alone, so a list of many jobs runs it once for the whole
 * type; a marked one runs once per job listed.
 */
export function perJobCheck(check: JobCheck): JobCheck {
  return Object.assign(check, { [needsTheJob]: true });
}

export const isPerJobCheck = (check: JobCheck): boolean => needsTheJob in check;

export async function authorizeJob(principal: Principal, em: EntityManager, job: JobSubject, checks: readonly JobCheck[]): Promise<void> {
  for (const check of checks) await check(principal, em, job);
}

export interface JobTypeDefinition<Type extends string, JobMeta, TaskMeta, TaskInput, Deps> {
  /** Stored in `jobs.type`: never renamed, jobs outlive deploys. */
  type: Type;
  /** `jobs.name` of every job of the type. */
  name: string;
  /** `tasks.name` of every task the type's submitters create. */
  taskName: string;
  strategy: JobStrategy;
  /** Tasks per queue message; bulk types want large chunks, interactive ones small. */
  chunkSize: number;
  jobMeta: z.ZodType<JobMeta>;
  taskMeta: z.ZodType<TaskMeta>;
  taskInput: z.ZodType<TaskInput>;
  /** The GraphQL object type that renders the job (`genericJobView` when it has no typed view). */
  graphqlType: string;
  access: JobAccess;
  /** Builds the handler from what the worker provides (a clock, rules from its configuration). */
  handler: (deps: Deps) => TaskHandler<JobMeta, TaskMeta, TaskInput>;
}

/** Any definition, as a catalog holds them. */
export type AnyJobType = JobTypeDefinition<string, unknown, unknown, unknown, never>;

/** Throws unless both lists hold a check: a type that forgot one would be open to every caller. */
export function assertJobAccess(type: string, access: JobAccess): void {
  for (const mode of ['read', 'write'] as const) {
    if (access[mode].length === 0) throw new Error(`job type ${type} declares no ${mode} checks: nothing is allowed by default, so say who may`);
  }
}

export function defineJobType<const Type extends string, JobMeta, TaskMeta, TaskInput, Deps = unknown>(
  definition: JobTypeDefinition<Type, JobMeta, TaskMeta, TaskInput, Deps>,
): JobTypeDefinition<Type, JobMeta, TaskMeta, TaskInput, Deps> {
  assertJobAccess(definition.type, definition.access);
  return definition;
}

type DepsOf<D> = D extends { handler: (...args: infer A) => unknown } ? (A extends [infer Deps, ...unknown[]] ? Deps : unknown) : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** What the worker must provide to build every handler of `Catalog`: the union of their deps. */
export type HandlerDeps<Catalog extends readonly AnyJobType[]> = Intersection<DepsOf<Catalog[number]>>;

/** A job type's handler built, beside the schemas the engine reads its jobs and tasks with. */
export interface RegisteredJobType {
  definition: AnyJobType;
  handler: TaskHandler;
}

export type HandlerRegistry = ReadonlyMap<string, RegisteredJobType>;

/** Builds every handler of `catalog` once; two definitions of one type string is a wiring bug. */
export function handlerRegistry<const Catalog extends readonly AnyJobType[]>(catalog: Catalog, deps: HandlerDeps<Catalog>): HandlerRegistry {
  const registry = new Map<string, RegisteredJobType>();
  for (const definition of catalog) {
    if (registry.has(definition.type)) throw new Error(`job type ${definition.type} is defined twice`);
    registry.set(definition.type, { definition, handler: definition.handler(deps as never) });
  }
  return registry;
}
