/**
 * The device registry import over GraphQL (SPEC §3, seed 002): the typed `DeviceRegistryJob` view
 * with its `DeviceRegistryTask`s, the two read queries, and `uploadDeviceRegistry` for CSVs small
 * enough to send as a string (large files go through the streaming REST upload).
 */
import { findJob, type JobStatus, pageJobs } from '@jabba/domain/engine';
import { deviceRegistryJob as registryJobType, deviceRegistryRead, deviceRegistryWrite, submitDeviceRegistryUpload } from '@jabba/domain/device-registry';
import { mayRead } from '../jobs/access';
import { creationKeyCodec, creationKeyOf, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import { asJobObject, jobNodeLoader, type JobObject } from '../jobs/job-objects';
import { jobFields, taskFields, taskNodeLoader } from '../jobs/graphql';
import { jobListOrder, type JobOrderBy } from '../jobs/job-list';
import { malformedId } from '../graphql/relay';
import { fromGlobalId } from '../platform/global-ids';
import { idempotencyKeyInput } from '../platform/idempotency-key';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';
import { importLimits } from '../platform/upload-body';
import { taskConnection, type TaskConnectionArgs } from '../jobs/task-connection';
import { csvDataLine, knowTasksJob, taskRecord } from './task-record';

const typeDefs = /* GraphQL */ `
  "A device registry import: one task per data line of the uploaded CSV."
  type DeviceRegistryJob implements Node & Job {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "Job name."
    name: String
    "Device registry Job status."
    status: JobStatus!
    "Job execution strategy."
    strategy: JobStrategy!
    "The engine's job type: \`upload_device_definition_registry\`."
    jobType: String!
    "Date and time when the job starts."
    startedAt: DateTime!
    "Date and time when the job ends."
    endedAt: DateTime
    "Task counts by status."
    progress: JobProgress!
    "Tasks within this job."
    tasks(
      filter: TaskFilter
      orderBy: TaskOrderBy = INSERTED_AT_ASC
      after: String
      before: String
      first: Int
      last: Int
    ): DeviceRegistryTaskConnection!
    "Type of register originating device registry data. The value should be present in the \`REGISTER_TYPE\` dictionary."
    registerType: String!
    "Device registry job reason description."
    reasonDescription: String!
    "True for a dry run: every line was checked as in an import, but no device definition was created (a PROCESSED task has no \`meta.databaseId\`)."
    dryRun: Boolean!
  }

  "A connection to a list of \`DeviceRegistryTask\` values."
  type DeviceRegistryTaskConnection {
    pageInfo: PageInfo!
    nodes: [DeviceRegistryTask]
    edges: [DeviceRegistryTaskEdge]
  }

  type DeviceRegistryTaskEdge {
    node: DeviceRegistryTask!
    cursor: String!
  }

  "A child of a \`DeviceRegistryJob\`: the outcome of one CSV data line."
  type DeviceRegistryTask implements Node {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "Task name."
    name: String
    "Task status, is set automatically."
    status: TaskStatus!
    "Task meta data."
    meta: DeviceRegistryTaskMeta
    "Line of the CSV file where the record starts (the header is line 1): \`meta.csvDataLine\`."
    csvDataLine: Int
    "The record as stored, read by the job's CSV header: one cell per field in header order, values unquoted and trimmed. Null for a record that is not valid CSV; fields past the header's width have an empty column name."
    record: [CsvCell!]
    "Date and time when task was executed."
    endedAt: DateTime
    "Task error."
    error: TaskError
    "Technical information when task was inserted into the DB."
    insertedAt: DateTime!
    "Technical information when task was updated in the DB."
    updatedAt: DateTime!
  }

  "One field of a CSV record, named by the header's column."
  type CsvCell {
    column: String!
    value: String!
  }

  type DeviceRegistryTaskMeta {
    "The device definition the line created, once the task is PROCESSED; null in a dry run, which creates none."
    databaseId: UUID
    "Line of the CSV file where the record starts (the header is line 1)."
    csvDataLine: Int
  }

  input DeviceRegistryJobFilter {
    status: JobStatus
  }

  enum DeviceRegistryJobOrderBy {
    STARTED_AT_ASC
    STARTED_AT_DESC
  }

  type DeviceRegistryJobEdge {
    node: DeviceRegistryJob!
    cursor: String!
  }

  type DeviceRegistryJobConnection {
    pageInfo: PageInfo!
    nodes: [DeviceRegistryJob]
    edges: [DeviceRegistryJobEdge]
  }

  input UploadDeviceRegistryInput {
    "A value of the \`REGISTER_TYPE\` dictionary."
    registerType: String!
    reasonDescription: String!
    "The whole CSV file: a header line of column names, then one device definition per record."
    csvData: String!
    "As the REST upload's \`Idempotency-Key\` header (1 to 255 characters): a key your client used before answers that job instead of starting another."
    idempotencyKey: String
    "True: check every line as an import would and report what would fail in the tasks, creating no device definition. A key used before answers only an upload with the same \`dryRun\` (else CONFLICT)."
    dryRun: Boolean = false
  }

  type UploadDeviceRegistryPayload {
    deviceRegistryJob: DeviceRegistryJob
  }

  type Query {
    "Reads a single \`DeviceRegistryJob\` using its globally unique ID."
    deviceRegistryJob(id: ID!): DeviceRegistryJob
    "The caller's client's device registry jobs, newest first unless told otherwise."
    deviceRegistryJobs(
      filter: DeviceRegistryJobFilter
      orderBy: DeviceRegistryJobOrderBy = STARTED_AT_DESC
      first: Int
      last: Int
      after: String
      before: String
    ): DeviceRegistryJobConnection!
  }

  type Mutation {
    "Starts importing a device registry CSV; the job's tasks say what became of each line."
    uploadDeviceRegistry(input: UploadDeviceRegistryInput!): UploadDeviceRegistryPayload
  }
`;

interface DeviceRegistryJobsArgs extends ConnectionArgs {
  filter?: { status?: JobStatus | null } | null;
  orderBy?: JobOrderBy | null;
}

interface UploadDeviceRegistryArgs {
  input: { registerType: string; reasonDescription: string; csvData: string; idempotencyKey?: string | null; dryRun?: boolean | null };
}

/** A meta field the upload stores; a job without it breaks the `String!` contract (an internal error). */
const metaText = (job: JobObject, field: 'registerType' | 'reasonDescription'): string | null => {
  const value = job.meta?.[field];
  return typeof value === 'string' ? value : null;
};

const view = registryJobType.graphqlType;
const taskView = 'DeviceRegistryTask';

const loadDeviceRegistryJob = jobNodeLoader(view, { checks: deviceRegistryRead });

async function deviceRegistryJob(_: unknown, { id }: { id: string }, ctx: GraphqlContext): Promise<JobObject | null> {
  // The checks come before looking at the id, so an id reveals nothing to a caller who may not read.
  await ctx.authorize(deviceRegistryRead);
  const global = fromGlobalId(id);
  if (!global) throw malformedId('$.id');
  if (global.typeName !== view) return null;
  return (await loadDeviceRegistryJob(global.databaseId, ctx)) as JobObject | null;
}

async function deviceRegistryJobs(_: unknown, args: DeviceRegistryJobsArgs, ctx: GraphqlContext): Promise<Connection<JobObject>> {
  const principal = await ctx.authorize(deviceRegistryRead);
  const window = pageWindow(args, creationKeyCodec);
  const page = await pageJobs(ctx.em, {
    clientId: principal.client.id,
    types: [registryJobType.type],
    statuses: args.filter?.status ? [args.filter.status] : null,
    order: jobListOrder[args.orderBy ?? 'STARTED_AT_DESC'],
    ...window,
  });
  const rows = page.rows.map(asJobObject);
  return toConnection({ ...page, rows }, window, creationKeyOf, creationKeyCodec);
}

async function uploadDeviceRegistry(_: unknown, { input }: UploadDeviceRegistryArgs, ctx: GraphqlContext) {
  const principal = await ctx.authorize(deviceRegistryWrite);
  const idempotencyKey = idempotencyKeyInput(input.idempotencyKey);
  const { job } = await ctx.uploadSlots.run(() => submitDeviceRegistryUpload(ctx.em, ctx.tasksQueue, {
    csv: [input.csvData],
    fields: () => ({ registerType: input.registerType, reasonDescription: input.reasonDescription }),
    clientId: principal.client.id,
    userId: principal.token.userId,
    idempotencyKey,
    dryRun: input.dryRun ?? false,
    ...importLimits(ctx.config),
    csvPath: '$.csvData',
  }));
  const row = await findJob(ctx.em, job.id);
  // Writing never implies reading: the job is shown to an uploader who may read it.
  return { deviceRegistryJob: row && (await mayRead(ctx, row)) ? asJobObject(row) : null };
}

export const deviceRegistryModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Query: { deviceRegistryJob, deviceRegistryJobs },
    Mutation: { uploadDeviceRegistry },
    DeviceRegistryJob: {
      ...jobFields,
      registerType: (job: JobObject) => metaText(job, 'registerType'),
      reasonDescription: (job: JobObject) => metaText(job, 'reasonDescription'),
      // Jobs stored before dry runs existed have no flag: they were real imports.
      dryRun: (job: JobObject) => job.meta?.dryRun === true,
      tasks: (job: JobObject, args: TaskConnectionArgs, ctx: GraphqlContext) => {
        knowTasksJob(ctx, job);
        return taskConnection(job.id, args, ctx, taskView);
      },
    },
    // `meta` needs no resolver: DeviceRegistryTaskMeta's fields are the stored meta's own keys.
    DeviceRegistryTask: { ...taskFields, csvDataLine, record: taskRecord },
  },
  nodes: {
    [view]: loadDeviceRegistryJob,
    [taskView]: taskNodeLoader(taskView, view, { checks: deviceRegistryRead }),
  },
};
