/**
 * names: the job ID, group and task names are DNS labels; the job ID fits one label because it becomes
 * `<job id>.<domain>`; group names are unique in the job and task names unique in their group. An
 * explicit `id` (a job an older pipeline deployed under an ID of its own) is a DNS label that holds the team
 * folder as one of its `-`-separated parts (policy `idNamesTeam`, default on), so a team cannot name a job
 * after another team's service.
 * Codes: NAME_INVALID, NAME_TOO_LONG, NAME_ID_TEAM, NAME_DUPLICATE_GROUP, NAME_DUPLICATE_TASK.
 */
import type { Diagnostic } from '../../diagnostics';
import { isDnsLabel, jobIdFor } from '../helpers';
import type { ValidatorRule } from '../types';

const LABEL_TEXT = 'lower-case letters, digits and "-", starting and ending with a letter or digit';

/** The `names` validator rule (see the file comment for what it checks). */
export const names: ValidatorRule<'names'> = {
  name: 'names',
  validate(spec, ctx, params) {
    const out: Diagnostic[] = [];
    const jobId = jobIdFor(spec, ctx);
    if (!isDnsLabel(spec.name)) {
      out.push({
        code: 'NAME_INVALID',
        severity: 'error',
        message: `name ${JSON.stringify(spec.name)} is not a valid DNS label: use ${LABEL_TEXT}, because the job is reachable as "${jobId}.<domain>".`,
        path: ['name'],
      });
    } else if (!isDnsLabel(ctx.team)) {
      out.push({
        code: 'NAME_INVALID',
        severity: 'error',
        message: `the team folder ${JSON.stringify(ctx.team)} is part of the job ID ${JSON.stringify(jobId)} and must be a DNS label: use ${LABEL_TEXT}.`,
        path: ['name'],
      });
    }
    if (spec.id !== undefined) {
      if (!isDnsLabel(spec.id)) {
        out.push({ code: 'NAME_INVALID', severity: 'error', message: `id ${JSON.stringify(spec.id)} is not a valid job ID: use ${LABEL_TEXT}, because the job is reachable as "<id>.<domain>".`, path: ['id'] });
      } else if (params.idNamesTeam && !`-${spec.id}-`.includes(`-${ctx.team}-`)) {
        out.push({
          code: 'NAME_ID_TEAM',
          severity: 'error',
          message: `id ${JSON.stringify(spec.id)} does not hold the team ${JSON.stringify(ctx.team)} as one of its "-"-separated parts; a job ID names its team so that no team can take another's. Use an ID such as "${jobIdFor({ ...spec, id: undefined }, ctx)}".`,
          path: ['id'],
        });
      }
    }
    if (jobId.length > params.maxJobIdLength && spec.id !== undefined) {
      out.push({ code: 'NAME_TOO_LONG', severity: 'error', message: `the job ID ${JSON.stringify(jobId)} has ${jobId.length} characters; it becomes the host name "${jobId}.<domain>", whose labels may have at most ${params.maxJobIdLength}.`, path: ['id'] });
    } else if (jobId.length > params.maxJobIdLength) {
      const room = params.maxJobIdLength - (jobId.length - spec.name.length);
      out.push({
        code: 'NAME_TOO_LONG',
        severity: 'error',
        message: `the job ID ${JSON.stringify(jobId)} has ${jobId.length} characters; it becomes the host name "${jobId}.<domain>", whose labels may have at most ${params.maxJobIdLength}. Shorten name to at most ${Math.max(room, 1)} characters.`,
        path: ['name'],
      });
    }
    const groups = new Map<string, number>();
    spec.group.forEach((g, gi) => {
      if (!isDnsLabel(g.name)) {
        out.push({ code: 'NAME_INVALID', severity: 'error', message: `group name ${JSON.stringify(g.name)} is not a valid DNS label: use ${LABEL_TEXT}.`, path: ['group', gi, 'name'] });
      }
      const firstGroup = groups.get(g.name);
      if (firstGroup !== undefined) {
        out.push({
          code: 'NAME_DUPLICATE_GROUP',
          severity: 'error',
          message: `group name ${JSON.stringify(g.name)} is already used by group ${firstGroup + 1}; group names must be unique in a job. Rename one of them.`,
          path: ['group', gi, 'name'],
        });
      } else groups.set(g.name, gi);
      const tasks = new Map<string, number>();
      g.task.forEach((t, ti) => {
        if (!isDnsLabel(t.name)) {
          out.push({ code: 'NAME_INVALID', severity: 'error', message: `task name ${JSON.stringify(t.name)} is not a valid DNS label: use ${LABEL_TEXT}.`, path: ['group', gi, 'task', ti, 'name'] });
        }
        const first = tasks.get(t.name);
        if (first !== undefined) {
          out.push({
            code: 'NAME_DUPLICATE_TASK',
            severity: 'error',
            message: `task name ${JSON.stringify(t.name)} is already used by task ${first + 1} of group ${JSON.stringify(g.name)}; task names must be unique in a group. Rename one of them.`,
            path: ['group', gi, 'task', ti, 'name'],
          });
        } else tasks.set(t.name, ti);
      });
    });
    return out;
  },
};
