/**
 * What a Nomad client reports when a running task exits on its own, for tests of what operators see:
 * a restart within the restart policy, an OOM kill (then a restart), a failure past the policy, and the
 * allocation's services vanishing from Consul while it runs.
 *
 * Event shapes follow the task runner (client/allocrunner/taskrunner/task_runner.go
 * `emitExitResultEvent`: a `Terminated` event with `exit_code`, `oom_killed` and `exit_message`
 * details; the docker driver's exit message for an OOM kill is `OOM Killed`, drivers/docker/handle.go)
 * and the display messages of nomad/structs `TaskEvent.PopulateEventDisplayMessage`.
 */
import type { TaskState } from '../core/nomad/types';
import { rfc3339, taskEvent, type SimAlloc } from './alloc-render';
import type { Cluster } from './cluster';

/** `restart`: exit 1, restarted; `oom`: OOM-killed (exit 137), restarted; `fail`: exit 1, not restarted, allocation failed; `deregister`: its Consul services disappear. */
export type TaskIncident = 'restart' | 'oom' | 'fail' | 'deregister';

/** The incidents a caller may name. */
export const TASK_INCIDENTS: readonly TaskIncident[] = ['restart', 'oom', 'fail', 'deregister'];

function terminated(now: number, exitCode: number, message: string, oom: boolean): ReturnType<typeof taskEvent> {
  const display = message ? `Exit Code: ${exitCode}, Exit Message: ${JSON.stringify(message)}` : `Exit Code: ${exitCode}`;
  return taskEvent('Terminated', now, display, {
    ExitCode: exitCode,
    Message: message,
    Details: { exit_code: String(exitCode), signal: '0', oom_killed: String(oom), exit_message: message },
  });
}

function restarted(st: TaskState, now: number, exit: ReturnType<typeof taskEvent>): TaskState {
  return {
    ...st,
    State: 'running',
    Restarts: (st.Restarts ?? 0) + 1,
    LastRestart: rfc3339(now),
    StartedAt: rfc3339(now),
    Events: [
      ...(st.Events ?? []),
      exit,
      taskEvent('Restarting', now, 'Task restarting in 15s', { StartDelay: 15e9, RestartReason: 'Restart within policy' }),
      taskEvent('Started', now, 'Task started by client'),
    ],
  };
}

/**
 * Applies `kind` to the running allocation `a` (to `task`, default its first task). Throws an Error when the
 * allocation is not running or has no such task.
 */
export function applyTaskIncident(cluster: Cluster, a: SimAlloc, kind: TaskIncident, task?: string): void {
  if (a.ClientStatus !== 'running' || a.DesiredStatus !== 'run') throw new Error(`allocation ${a.ID} is not running`);
  const name = task ?? Object.keys(a.TaskStates).sort()[0];
  const st = a.TaskStates[name];
  if (!st) throw new Error(`allocation ${a.ID} has no task ${JSON.stringify(name)}`);
  const now = cluster.now();
  if (kind === 'deregister') {
    cluster.allocUpdatedByClient(a, true);
    return;
  }
  if (kind === 'restart') a.TaskStates[name] = restarted(st, now, terminated(now, 1, '', false));
  if (kind === 'oom') a.TaskStates[name] = restarted(st, now, terminated(now, 137, 'OOM Killed', true));
  if (kind === 'fail') {
    a.TaskStates[name] = {
      ...st,
      State: 'dead',
      Failed: true,
      FinishedAt: rfc3339(now),
      Events: [
        ...(st.Events ?? []),
        terminated(now, 1, '', false),
        taskEvent('Not Restarting', now, 'Exceeded allowed attempts 2 in interval 30m0s and mode is "fail"', { FailsTask: true, RestartReason: 'Exceeded allowed attempts 2 in interval 30m0s and mode is "fail"' }),
      ],
    };
    a.ClientStatus = 'failed';
    a.ClientDescription = 'Failed tasks';
  }
  cluster.allocUpdatedByClient(a, kind === 'fail');
}
