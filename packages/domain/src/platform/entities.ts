/**
 * MikroORM entities (defineEntity, no decorators: tsx emits no decorator metadata).
 * The schema itself is owned by the committed migrations; these describe it to the ORM.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { jobStatuses, jobStrategies, taskStatuses } from '../engine/status-rules';

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

/** A code list the import validates against (SPEC §3); only active rows count. */
export const DictionarySchema = defineEntity({
  name: 'Dictionary',
  tableName: 'dictionaries',
  properties: {
    name: p.text().primary(),
    code: p.text().primary(),
    description: p.text().nullable(),
    isActive: p.boolean().default(true),
    ...timestamps,
  },
});
export type Dictionary = InferEntity<typeof DictionarySchema>;

export const DeviceDefinitionSchema = defineEntity({
  name: 'DeviceDefinition',
  tableName: 'device_definitions',
  properties: {
    id: p.uuid().primary(),
    externalId: p.string().length(255).nullable(),
    classificationType: p.string().length(255),
    description: p.string().length(2000).nullable(),
    manufacturerName: p.string().length(255),
    manufacturerCountry: p.string().length(255),
    modelNumber: p.string().length(255),
    partNumber: p.string().length(255).nullable(),
    packagingType: p.string().length(255),
    packagingCount: p.integer(),
    packagingUnit: p.string().length(255),
    note: p.string().length(2000).nullable(),
    isActive: p.boolean(),
    // Its shape is the import's to define (SPEC §3 `properties.*` columns); the ORM only carries it.
    properties: p.json<unknown>().nullable(),
    parentId: p.uuid().nullable(),
    insertedBy: p.uuid().nullable(),
    updatedBy: p.uuid().nullable(),
    ...timestamps,
  },
});
export type DeviceDefinition = InferEntity<typeof DeviceDefinitionSchema>;

export const DeviceDefinitionNameSchema = defineEntity({
  name: 'DeviceDefinitionName',
  tableName: 'device_definition_names',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    // A relation (kept as its id) so that a flush inserts the device before its names.
    deviceDefinition: p.manyToOne(DeviceDefinitionSchema).mapToPk().deleteRule('cascade'),
    type: p.string().length(255),
    name: p.string().length(255),
  },
});
export type DeviceDefinitionName = InferEntity<typeof DeviceDefinitionNameSchema>;

export const entities = [
  ClientSchema, UserRoleSchema, JobSchema, TaskSchema,
  DictionarySchema, DeviceDefinitionSchema, DeviceDefinitionNameSchema,
];
