// The linux-x64 ffmpeg/ffprobe builds for the media Lambdas, whatever the host. `npm ci` installs
// @ffmpeg-installer/linux-x64 and @ffprobe-installer/linux-x64 only on linux-x64 (optional
// dependencies with os/cpu fields), so on macOS, arm64 Linux or Windows they are fetched: exactly the
// version package-lock.json records, through npm (its registry, proxy and cache settings), checked
// against the lock's integrity hash, and unpacked into a cache. Plain Node, so it runs on Windows too.
//
//   node --import tsx cdk/media-binaries.ts <outDir>      (the media functions' afterBundling hook)
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

export const MEDIA_BINARIES = [
  { packageName: '@ffmpeg-installer/linux-x64', file: 'ffmpeg' },
  { packageName: '@ffprobe-installer/linux-x64', file: 'ffprobe' },
] as const;

export type MediaBinary = (typeof MEDIA_BINARIES)[number];

export interface LockedPackage {
  name: string;
  version: string;
  /** Subresource Integrity string from package-lock.json, e.g. "sha512-…". */
  integrity: string;
}

export class MediaBinaryError extends Error {
  override name = 'MediaBinaryError';
}

/** Fetches the tarball of exactly this package version. */
export type TarballSource = (pkg: LockedPackage) => Promise<Buffer>;

export interface MediaBinaryOptions {
  /** The project's node_modules: used as is when it holds the locked version. */
  nodeModules: string;
  /** package-lock.json: the version and integrity to fetch. */
  lockFile: string;
  /** Where fetched binaries are kept between synths. */
  cacheDir: string;
  fetchTarball?: TarballSource;
}

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const defaultOptions = (): MediaBinaryOptions => ({
  nodeModules: join(PROJECT_ROOT, 'node_modules'),
  lockFile: join(PROJECT_ROOT, 'package-lock.json'),
  cacheDir: process.env.LONGSHOT_MEDIA_CACHE || join(PROJECT_ROOT, 'node_modules', '.cache', 'longshot-media'),
});

export function lockedPackage(lock: { packages?: Record<string, { version?: string; integrity?: string }> }, name: string): LockedPackage {
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) {
    throw new MediaBinaryError(`package-lock.json has no version and integrity for ${name}: run npm install on any machine to record them`);
  }
  return { name, version: entry.version, integrity: entry.integrity };
}

const STRENGTH = ['sha512', 'sha384', 'sha256'];

/** Throws unless the bytes match the strongest hash of the SRI string (what npm itself checks). */
export function checkIntegrity(bytes: Buffer, integrity: string, what: string): void {
  const hashes = integrity.trim().split(/\s+/).map((item) => {
    const dash = item.indexOf('-');
    return { algorithm: item.slice(0, dash), digest: item.slice(dash + 1).split('?')[0] };
  });
  const strongest = STRENGTH.map((algorithm) => hashes.filter((h) => h.algorithm === algorithm)).find((found) => found.length);
  if (!strongest) throw new MediaBinaryError(`${what}: integrity "${integrity}" has no sha512/sha384/sha256 hash to check against`);
  const actual = createHash(strongest[0].algorithm).update(bytes).digest('base64');
  if (!strongest.some((h) => h.digest === actual)) {
    throw new MediaBinaryError(`${what}: tarball does not match the integrity in package-lock.json (got ${strongest[0].algorithm}-${actual}); refusing to use it`);
  }
}

/** One file of a (gzipped) npm tarball, by its path below the package's root folder. */
export function extractFromTarball(tgz: Buffer, file: string): Buffer {
  const tar = gunzipSync(tgz);
  let override: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0[\s\S]*$/, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') override = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] ?? override; // pax header
    else if (type === 'L') override = body.toString('utf8').replace(/\0[\s\S]*$/, ''); // GNU long name
    else if (type !== 'g') {
      const path = override ?? (text(345, 155) ? `${text(345, 155)}/${text(0, 100)}` : text(0, 100));
      override = undefined;
      // npm tarballs hold one root folder (usually package/): compare below it.
      if ((type === '0' || type === '7') && path.split('/').slice(1).join('/') === file) return Buffer.from(body);
    }
  }
  throw new MediaBinaryError(`the tarball has no ${file}`);
}

/** npm's own CLI script, run with this node: no shell, so it works the same on Windows. */
function npmCliScript(): string | null {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'), // Windows installs
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), // Unix installs
  ];
  return candidates.find((path) => path && /npm-cli\.c?js$/.test(path) && existsSync(path)) ?? null;
}

/** `npm pack name@version`: npm's own registry, proxy, auth and cache settings apply. */
export const npmPack: TarballSource = async (pkg) => {
  const dir = await mkdtemp(join(tmpdir(), 'longshot-npm-pack-'));
  try {
    const args = ['pack', `${pkg.name}@${pkg.version}`, '--pack-destination', dir, '--json', '--ignore-scripts'];
    const cli = npmCliScript();
    const run = promisify(execFile);
    const windows = process.platform === 'win32';
    const { stdout } = cli
      ? await run(process.execPath, [cli, ...args], { maxBuffer: 1 << 24 })
      : // Last resort: npm.cmd needs a shell on Windows, which splits unquoted paths.
        await run(windows ? 'npm.cmd' : 'npm', windows ? args.map((a) => `"${a}"`) : args, { maxBuffer: 1 << 24, shell: windows });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    return await readFile(join(dir, basename(packed.filename)));
  } catch (error) {
    throw new MediaBinaryError(`npm pack ${pkg.name}@${pkg.version} failed (is the npm registry reachable?): ${(error as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

async function installedVersion(nodeModules: string, name: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(join(nodeModules, name, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

export type BinarySource = 'node_modules' | 'cache' | 'registry';

/** Where this host can find the locked linux-x64 build of one binary, fetching it if needed. */
export async function resolveMediaBinary(binary: MediaBinary, options: MediaBinaryOptions): Promise<{ path: string; source: BinarySource }> {
  const pkg = lockedPackage(JSON.parse(await readFile(options.lockFile, 'utf8')), binary.packageName);
  const installed = join(options.nodeModules, binary.packageName, binary.file);
  if ((await installedVersion(options.nodeModules, binary.packageName)) === pkg.version && existsSync(installed)) {
    return { path: installed, source: 'node_modules' };
  }
  // Keyed by the integrity, so a changed lock never reuses an old binary.
  const key = createHash('sha256').update(pkg.integrity).digest('hex').slice(0, 16);
  const cached = join(options.cacheDir, `${binary.packageName.replace('/', '+')}@${pkg.version}-${key}`, binary.file);
  if (existsSync(cached)) return { path: cached, source: 'cache' };

  const tarball = await (options.fetchTarball ?? npmPack)(pkg);
  checkIntegrity(tarball, pkg.integrity, `${pkg.name}@${pkg.version}`);
  const content = extractFromTarball(tarball, binary.file);
  await mkdir(dirname(cached), { recursive: true });
  // Write then rename: a synth interrupted halfway never leaves a truncated binary in the cache.
  const partial = `${cached}.${process.pid}.partial`;
  await writeFile(partial, content, { mode: 0o755 });
  await rename(partial, cached);
  return { path: cached, source: 'registry' };
}

/** Copies executable ffmpeg and ffprobe into `outDir` (the bundle's bin/). */
export async function copyMediaBinaries(outDir: string, options: MediaBinaryOptions = defaultOptions()): Promise<Record<string, BinarySource>> {
  await mkdir(outDir, { recursive: true });
  const sources: Record<string, BinarySource> = {};
  for (const binary of MEDIA_BINARIES) {
    const { path, source } = await resolveMediaBinary(binary, options);
    await copyFile(path, join(outDir, binary.file));
    await chmod(join(outDir, binary.file), 0o755);
    sources[binary.file] = source;
  }
  return sources;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node --import tsx cdk/media-binaries.ts <outDir>');
    process.exit(2);
  }
  copyMediaBinaries(outDir).catch((error: Error) => {
    console.error(`longshot: could not bundle ffmpeg/ffprobe: ${error.message}`);
    process.exit(1);
  });
}
