// `longshot render|status|cancel --api` against a server that checks every call's SigV4 signature.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type Exit } from '../cli/spawn-cli';
import { EXECUTION_ARN, FILM_BYTES, REGION, RUN_ID, TEST_CREDENTIALS, startFakeApi, type FakeApi } from './fake-api';
import { projectPath } from '../../functions/catalog';

const STORYBOARD = projectPath('examples/winter-ad.json');

/** The standard chain sees only what a test gives it: no profile files, no instance role. */
const isolated = (credentials: Record<string, string | undefined>) => ({
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: REGION,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  ...credentials,
});
const SIGNED = isolated({ AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey });

async function longshot(args: string[], env: Record<string, string | undefined>, cwd = mkdtempSync(join(tmpdir(), 'longshot-remote-'))) {
  const cli = startCli(args, { cwd, env });
  const exit: Exit = await cli.exited;
  return { exit, stdout: cli.stdout(), stderr: cli.stderr(), cwd };
}

describe('longshot render --api (SigV4)', () => {
  let api: FakeApi;
  let run: Awaited<ReturnType<typeof longshot>>;
  beforeAll(async () => {
    api = await startFakeApi();
    run = await longshot(['render', STORYBOARD, '--api', api.apiUrl, '--poll-ms', '20'], SIGNED);
  }, 60_000);
  afterAll(() => api.close());

  it('succeeds and prints the film it downloaded', () => {
    expect(run.exit.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(join(run.cwd, 'out', RUN_ID, 'final.mp4'));
  });

  it('signs every API call, and the signatures check out', () => {
    const calls = api.requests.filter((r) => r.verified !== null);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /v1/runs`, ...Array(calls.length - 1).fill(`GET /v1/runs/${RUN_ID}`)]);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.filter((r) => !r.verified)).toEqual([]);
  });

  it('downloads the presigned media without signing it again', () => {
    const media = api.requests.filter((r) => r.verified === null);
    expect(media.map((r) => r.path).sort()).toEqual([`/media/${RUN_ID}/contact-sheet.png`, `/media/${RUN_ID}/final.mp4`]);
    expect(media.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('puts the film, contact sheet and manifest into out/<runId>/', () => {
    const dir = join(run.cwd, 'out', RUN_ID);
    expect(readFileSync(join(dir, 'final.mp4'))).toEqual(FILM_BYTES);
    expect(existsSync(join(dir, 'contact-sheet.png'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject({ runId: RUN_ID, status: 'succeeded', scenesDone: 2 });
  });

  it('shows the progress: scenes done, current step, attempts and cost', () => {
    expect(run.stderr).toMatch(/running · scenes 0\/2 · anchor · \$0\.010 spent · estimate \$0\.480/);
    expect(run.stderr).toMatch(/running · scenes 1\/2 · scene-2 \(attempt 2\) · \$0\.300 spent/);
    expect(run.stderr).toMatch(/succeeded · scenes 2\/2 · \$0\.490 spent/);
  });

  it("prints the execution's Step Functions console URL", () => {
    expect(run.stderr).toContain(`https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${EXECUTION_ARN}`);
  });
});

describe('refused requests', () => {
  let api: FakeApi;
  beforeAll(async () => (api = await startFakeApi()));
  afterEach(() => void api.requests.splice(0));
  afterAll(() => api.close());

  it('a request signed with the wrong secret gets 403, and the CLI says what to do (exit 2)', async () => {
    const { exit, stderr } = await longshot(['render', STORYBOARD, '--api', api.apiUrl], { ...SIGNED, AWS_SECRET_ACCESS_KEY: 'some-other-secret' });
    expect(api.requests).toMatchObject([{ method: 'POST', verified: false }]);
    expect(exit.code).toBe(2);
    expect(stderr.trim()).toBe(
      '✗ the API refused POST /v1/runs (403: The request signature we calculated does not match the signature you provided.): ' +
        `use AWS credentials allowed execute-api:Invoke on this API, for region ${REGION} (check them with \`aws sts get-caller-identity\`)`,
    );
  });

  it('an unsigned request (no credentials) gets 403, and the CLI says to provide credentials', async () => {
    const { exit, stderr } = await longshot(['status', RUN_ID, '--api', api.apiUrl], isolated({}));
    expect(api.requests).toMatchObject([{ method: 'GET', verified: false, authorization: undefined }]);
    expect(exit.code).toBe(2);
    expect(stderr).toMatch(/^✗ the API refused GET \/v1\/runs\/.+ \(403: Missing Authentication Token\): it takes SigV4-signed requests and no AWS credentials were found: run `aws configure`/);
  });

  it('no credentials for a deployed API: one line, exit 2, nothing sent', async () => {
    const { exit, stderr } = await longshot(['status', RUN_ID, '--api', 'https://abc123.execute-api.us-east-1.amazonaws.com/v1/'], isolated({}));
    expect(exit.code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^✗ no AWS credentials found .*: run `aws configure` or `aws sso login`, or set AWS_PROFILE/);
  });
});

describe('status and cancel', () => {
  let api: FakeApi;
  beforeAll(async () => (api = await startFakeApi()));
  afterAll(() => api.close());

  it('status prints the run as GET /runs/{id} shows it, with the console URL', async () => {
    const { exit, stdout } = await longshot(['status', RUN_ID, '--api', api.apiUrl], SIGNED);
    expect(exit.code).toBe(0);
    expect(stdout).toContain(`${RUN_ID}: running · scenes 0/2 · anchor · $0.010 spent`);
    expect(stdout).toContain(`console: https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${EXECUTION_ARN}`);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', verified: true });
  });

  it('cancel sends a signed DELETE and says what was canceled', async () => {
    const { exit, stdout } = await longshot(['cancel', join('out', RUN_ID), '--api', api.apiUrl], SIGNED);
    expect(exit.code).toBe(0);
    expect(stdout.trim()).toBe(`✓ ${RUN_ID}: canceled; 1 prediction(s) canceled`);
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/runs/${RUN_ID}`, verified: true });
  });

  it('an unknown run is one line and exit 2', async () => {
    const { exit, stderr } = await longshot(['status', '20261127-1200-nope-0000000000000000', '--api', api.apiUrl], SIGNED);
    expect(exit.code).toBe(2);
    expect(stderr.trim()).toBe(`✗ run 20261127-1200-nope-0000000000000000 is not known to ${api.apiUrl}`);
  });
});

describe('against longshot dev (loopback, no credentials)', () => {
  let api: FakeApi;
  beforeAll(async () => (api = await startFakeApi({ allowUnsigned: true })));
  afterAll(() => api.close());

  it.each([
    ['status', /running · scenes 0\/2/],
    ['cancel', /canceled; 1 prediction/],
  ])('%s works unsigned', async (command, shown) => {
    const { exit, stdout } = await longshot([command, RUN_ID, '--api', api.apiUrl], isolated({}));
    expect(exit.code).toBe(0);
    expect(stdout).toMatch(shown);
    expect(api.requests.at(-1)?.authorization).toBeUndefined();
  });
});

describe('longshot dev --api', () => {
  let api: FakeApi;
  beforeAll(async () => (api = await startFakeApi()));
  afterAll(() => api.close());

  it('serves the API routes on this machine, signed by the local server, until Ctrl-C', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'longshot-remote-'));
    const cli = startCli(['dev', '--api', api.apiUrl, '--port', '0'], { cwd, env: SIGNED });
    try {
      const [, local] = await cli.waitFor(/forwarding (http:\/\/127\.0\.0\.1:\d+)\/runs/);
      const response = await fetch(`${local}/runs/${RUN_ID}`);
      expect(await response.json()).toMatchObject({ runId: RUN_ID });
      expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v1/runs/${RUN_ID}`, verified: true });
    } finally {
      expect((await cli.stop('SIGINT')).code).toBe(0);
    }
  });
});
