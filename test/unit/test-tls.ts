// A throwaway self-signed certificate for https test servers, made by openssl for this test run
// only (nothing secret is committed). Valid for images.example.test, localhost and 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const TEST_HOSTNAME = 'images.example.test';

export async function makeTestCertificate(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'longshot-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${TEST_HOSTNAME}`,
      '-addext', `subjectAltName=DNS:${TEST_HOSTNAME},DNS:localhost,IP:127.0.0.1`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
