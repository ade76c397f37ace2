// Public API of the tasks domain: the persisted tasks, their workspaces, transcripts, grants and owner questions.
export { MAX_QUESTION_CHARS, type Question, type QuestionState, Questions } from "./questions.js";
export { TASKS_MIGRATIONS } from "./schema.js";
export { type CreateTaskInput, type NewMessage, Tasks, type TasksDeps } from "./tasks.js";
export {
  FINAL_STATES,
  isFinal,
  TASK_STATES,
  type Task,
  type TaskBudget,
  type TaskState,
  type TaskUsage,
  type TranscriptEntry,
} from "./types.js";
export { createWorkspace, TASK_ID_PATTERN, type WorkspaceOwner } from "./workspace.js";
