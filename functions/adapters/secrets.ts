// Credentials, read once per cold start. On AWS they come from Secrets Manager (see cdk/); locally
// from the environment. They are never logged and never put in URLs.
import { ConfigError } from '../domain/errors';

let cachedToken: string | undefined;

export async function replicateToken(): Promise<string> {
  if (cachedToken) return cachedToken;
  const token = process.env.REPLICATE_API_TOKEN;
  if (!token) throw new ConfigError('REPLICATE_API_TOKEN is not set (the local stack sets one for its emulator)');
  cachedToken = token;
  return token;
}

/** For tests and the local stack, which switch endpoints between runs in one process. */
export function resetSecretsCache(): void {
  cachedToken = undefined;
}
