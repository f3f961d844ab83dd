/**
 * Jobs and tasks of the jabba engine (SPEC §2): the `Job` interface every typed job view
 * implements, `Task`, the task connection, `GenericJob` for job types without a typed view, and the
 * node loader every view's task type uses.
 */
import { findTask, type JobRow, jobStatuses, jobStrategies, progressOf, taskStatuses } from '@jabba/domain/engine';
import { graphqlTypeOfJob, jobNodeLoader, readableJob, type JobObject, type ViewChecks } from './job-objects';
import type { GraphqlContext, GraphqlModule, NodeLoader } from '../graphql/module';
import { databaseIdField, globalIdField } from '../graphql/relay';
import { taskConnection, taskOrderBy, type TaskConnectionArgs } from './task-connection';

const typeDefs = /* GraphQL */ `
  enum JobStatus { ${jobStatuses.join(' ')} }
  enum JobStrategy { ${jobStrategies.join(' ')} }
  enum TaskStatus { ${taskStatuses.join(' ')} }
  enum TaskOrderBy { ${Object.keys(taskOrderBy).join(' ')} }

  "Task counts by status, read from counters stored on the job."
  type JobProgress {
    total: Int!
    "Tasks not finished yet: NEW, PENDING or CONSUMED."
    pending: Int!
    processed: Int!
    "Tasks that failed a check (FAILED) or raised an exception (RESCUED)."
    failed: Int!
    aborted: Int!
  }

  interface Job implements Node {
    id: ID!
    databaseId: UUID!
    name: String
    status: JobStatus!
    strategy: JobStrategy!
    "The engine's job type, e.g. \`upload_device_definition_registry\` (what \`jobs(filter: {type})\` and \`jobTypes\` name)."
    jobType: String!
    "When the job was created."
    startedAt: DateTime!
    endedAt: DateTime
    progress: JobProgress!
  }

  type TaskErrorExtension {
    code: String!
    "On a RESCUED task (code INTERNAL_ERROR) only: the id to quote to an operator, whose log line with it holds the exception. The task never shows the exception's text."
    errorId: String
    "On an import's VALIDATION_ERROR only: the record's problems one by one, in the order of the message; null otherwise."
    fields: [TaskErrorField!]
  }

  "One problem of an imported record."
  type TaskErrorField {
    "The column as the upload's header names it (a JSON item's field); null for a problem of the whole record or of several columns."
    column: String
    "The value as checked (trimmed), at most 200 characters; null when \`column\` is."
    value: String
    "A stable code of the rule the value broke, e.g. \`required\`, \`max_length\`, \`not_in_dictionary\` (the README lists them all)."
    rule: String!
    "This problem's own words, exactly as the task's message has them."
    message: String!
  }

  type TaskError {
    message: String!
    extensions: TaskErrorExtension!
  }

  type Task implements Node {
    id: ID!
    databaseId: UUID!
    name: String
    status: TaskStatus!
    priority: Int!
    meta: JSON
    result: JSON
    error: TaskError
    endedAt: DateTime
    insertedAt: DateTime!
    updatedAt: DateTime!
  }

  input TaskFilter {
    status: TaskStatus
  }

  type TaskEdge {
    node: Task!
    cursor: String!
  }

  type TaskConnection {
    pageInfo: PageInfo!
    nodes: [Task]
    edges: [TaskEdge]
  }

  "A job of a type that has no typed view yet."
  type GenericJob implements Node & Job {
    id: ID!
    databaseId: UUID!
    name: String
    status: JobStatus!
    strategy: JobStrategy!
    jobType: String!
    startedAt: DateTime!
    endedAt: DateTime
    progress: JobProgress!
    "The engine's job type, e.g. \`upload_device_definition_registry\`; the same as \`jobType\`."
    type: String!
    meta: JSON
    tasks(
      filter: TaskFilter
      orderBy: TaskOrderBy = INSERTED_AT_ASC
      first: Int
      last: Int
      after: String
      before: String
    ): TaskConnection!
  }
`;

/** Field resolvers every `Job` implementation needs; typed views spread these into their own. */
export const jobFields = {
  id: globalIdField,
  databaseId: databaseIdField,
  jobType: (job: JobRow) => job.type,
  startedAt: (job: JobRow) => job.insertedAt,
  progress: (job: JobRow) => progressOf(job.counters),
};

export const taskFields = {
  id: globalIdField,
  databaseId: databaseIdField,
};

/**
 * Node loader for the task type of a job view (`Task` of `GenericJob`, `DeviceRegistryTask` of
 * `DeviceRegistryJob`, …). Like a job, a task only resolves under the type its job's view renders
 * it as, and behind that view's checks: `node(id: "Task:…")` of a device registry task is null.
 */
export function taskNodeLoader(taskTypeName: string, jobTypeName: string, view: ViewChecks): NodeLoader {
  return async (databaseId, ctx) => {
    await ctx.authorize(view.checks);
    const task = await findTask(ctx.em, databaseId);
    if (!task) return null;
    const job = await readableJob(ctx, jobTypeName, task.jobId, view);
    return job && { ...task, __typename: taskTypeName };
  };
}

export const jobsModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Job: { __resolveType: (job: JobRow) => graphqlTypeOfJob(job.type) },
    GenericJob: {
      ...jobFields,
      tasks: (job: JobObject, args: TaskConnectionArgs, ctx: GraphqlContext) => taskConnection(job.id, args, ctx),
    },
    Task: taskFields,
  },
  nodes: {
    GenericJob: jobNodeLoader('GenericJob', { checks: [] }),
    Task: taskNodeLoader('Task', 'GenericJob', { checks: [] }),
  },
};
