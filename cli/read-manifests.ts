/**
 * Reads manifest files the way `kubectl apply -f PATH -R` does: files as given, folders recursively,
 * taking `.yaml`, `.yml` and `.json` files, in a fixed order (names sorted by code unit) so the same tree
 * always loads the same way. `-` reads standard input.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestSource } from '../sim/index.ts';
import { UserError } from './user-error.ts';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export function readManifests(paths: readonly string[]): ManifestSource[] {
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ path: '<stdin>', text: readFileSync(0, 'utf8') });
      continue;
    }
    const before = sources.length;
    collect(path, true, sources);
    if (sources.length === before) {
      throw new UserError(`no .yaml, .yml or .json files in ${path}. Name manifest files or folders that contain them.`);
    }
  }
  return sources;
}

function collect(path: string, explicit: boolean, into: ManifestSource[]): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${describeFsError(error)}. Check the path.`);
  }
  if (stats.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch (error) {
      throw new UserError(`cannot list ${path}: ${describeFsError(error)}.`);
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const child = join(path, name);
      const childStats = statSync(child);
      if (childStats.isDirectory() || MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext))) collect(child, false, into);
    }
    return;
  }
  if (!explicit && !MANIFEST_EXTENSIONS.some((ext) => path.endsWith(ext))) return;
  try {
    into.push({ path, text: readFileSync(path, 'utf8'), named: explicit });
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${describeFsError(error)}.`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return (error as Error).message ?? String(error);
  }
}
