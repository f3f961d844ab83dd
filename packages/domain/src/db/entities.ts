/**
 * MikroORM entities (defineEntity, no decorators: tsx emits no decorator metadata).
 * The schema itself is owned by the committed migrations; these describe it to the ORM.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { jobStatuses, jobStrategies, taskStatuses } from '../model/job-state';

export const clientTypes = ['NHS', 'MIS', 'MSP', 'PHARMACY'] as const;
export type ClientType = (typeof clientTypes)[number];
export const clientStatuses = ['ACTIVE', 'SUSPENDED', 'CLOSED'] as const;
export type ClientStatus = (typeof clientStatuses)[number];

const timestamps = {
  insertedAt: p.datetime(6).defaultRaw('now()').onCreate(() => new Date()),
  updatedAt: p.datetime(6).defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
};

export const ClientSchema = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: p.uuid().primary(),
    name: p.text(),
    type: p.enum([...clientTypes]),
    status: p.enum([...clientStatuses]).default('ACTIVE'),
    isBlocked: p.boolean().default(false),
    ...timestamps,
  },
});
export type Client = InferEntity<typeof ClientSchema>;

export const UserRoleSchema = defineEntity({
  name: 'UserRole',
  tableName: 'user_roles',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: p.uuid(),
    clientId: p.uuid(),
    role: p.text(),
    ...timestamps,
  },
});
export type UserRole = InferEntity<typeof UserRoleSchema>;

export const JobSchema = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(128).nullable(),
    type: p.text(),
    strategy: p.enum([...jobStrategies]),
    status: p.enum([...jobStatuses]),
    meta: p.json<Record<string, unknown>>().nullable(),
    idempotencyKey: p.text().nullable(),
    clientId: p.uuid().nullable(),
    userId: p.uuid().nullable(),
    chunkSize: p.integer(),
    epoch: p.integer(),
    tasksTotal: p.integer(),
    tasksNew: p.integer(),
    tasksPending: p.integer(),
    tasksConsumed: p.integer(),
    tasksProcessed: p.integer(),
    tasksFailed: p.integer(),
    tasksRescued: p.integer(),
    tasksAborted: p.integer(),
    endedAt: p.datetime(6).nullable(),
    ...timestamps,
  },
});
export type Job = InferEntity<typeof JobSchema>;

export const TaskSchema = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    jobId: p.uuid(),
    seq: p.integer(),
    name: p.text().nullable(),
    priority: p.smallint(),
    status: p.enum([...taskStatuses]),
    meta: p.json<Record<string, unknown>>().nullable(),
    input: p.text().nullable(),
    result: p.json<unknown>().nullable(),
    error: p.json<{ message: string; extensions: { code: string } }>().nullable(),
    endedAt: p.datetime(6).nullable(),
    ...timestamps,
  },
});
export type Task = InferEntity<typeof TaskSchema>;

export const entities = [ClientSchema, UserRoleSchema, JobSchema, TaskSchema];
