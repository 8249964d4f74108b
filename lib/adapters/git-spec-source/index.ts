/** The spec repository, followed with the git CLI. */
export { GitSpecSource, classify, type GitSpecSourceOptions, type SourcePoll, type SourceError, type SourceErrorReason, type SpecFile, type SpecChange, type SpecEntryProblem } from './source';
export { GitError } from './git';
