// A dataset as it is at a git ref, read by the real git: the old side of
// `persona-lens diff FILE --against REF` and of the editor's Compare with Git.

import { spawn, spawnSync } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';

/** Why a file cannot be read at a ref, in words for the user. */
export class GitProblem extends Error {}

/**
 * The file as it is at `ref`: its blob's id, and a function that starts the read. Checked first,
 * so a file outside git, a shallow clone and a ref without the file each throw a GitProblem that says which.
 */
export function gitBlob(file: string, ref: string): { id: string; read: () => NodeJS.ReadableStream } {
  const { dir, git } = repositoryOf(file, `at ${ref}`);
  const spec = `${ref}:./${basename(file)}`;
  const found = git(['cat-file', '-e', spec]);
  if (found.status !== 0) {
    const shallow = git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
    const why = found.stderr.trim().split('\n')[0] || 'no such file at that ref';
    throw new GitProblem(
      `${ref} does not hold ${file} (git: ${why})` + (shallow ? '; this clone is shallow, so the ref may not have been fetched (git fetch --unshallow)' : ''),
    );
  }
  const id = git(['rev-parse', spec]).stdout.trim();
  return { id, read: () => spawn('git', ['-C', dir, 'cat-file', 'blob', id], { stdio: ['ignore', 'pipe', 'ignore'] }).stdout };
}

/**
 * The refs a file can be compared with, newest commit first: HEAD, then local branches, remote
 * branches and tags. A GitProblem when the file is not in a repository.
 */
export function gitRefs(file: string): string[] {
  const { git } = repositoryOf(file, 'in git');
  const out = git(['for-each-ref', '--sort=-committerdate', '--format=%(refname:short)', 'refs/heads', 'refs/remotes', 'refs/tags']);
  return ['HEAD', ...(out.status === 0 ? out.stdout.split('\n').filter((r) => r && !r.endsWith('/HEAD')) : [])];
}

/** The file's folder and a git run there; a GitProblem when git cannot run or the file is not in a repository (`where`: what it was to be compared with). */
function repositoryOf(file: string, where: string) {
  const dir = dirname(resolve(file));
  const git = (args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const top = git(['rev-parse', '--show-toplevel']);
  if (top.error) throw new GitProblem(`comparing with git needs git, which could not run: ${top.error.message}`);
  if (top.status !== 0) throw new GitProblem(`${file} is not in a git repository, so there is nothing to compare it with ${where}`);
  return { dir, git };
}
