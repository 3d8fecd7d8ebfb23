// The run viewer's files (local/viewer/: plain HTML, CSS and ES modules, no build step) and the
// published storyboard schema, served by the API gateway so that the page and the API share one
// origin: the page's requests carry a loopback Origin, which loopback-only.ts lets through.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';

const VIEWER_DIRECTORY = fileURLToPath(new URL('./viewer/', import.meta.url));
const SCHEMA_FILE = fileURLToPath(new URL('../docs/storyboard.schema.json', import.meta.url));

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * Media come from presigned URLs (s3rver on another loopback port locally, S3 when deployed);
 * everything else from this origin only. No framing: the page has buttons that cancel runs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' http://127.0.0.1:* http://localhost:* https:",
  "media-src 'self' http://127.0.0.1:* http://localhost:* https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A file name the viewer folder may hold: one segment, no dots but the extension's. */
const VIEWER_FILE = /^\/viewer\/(?<name>[a-z0-9-]+)\.(?<ext>html|css|js)$/;

/** Where a viewer path's file is, or null when the path is not one of the viewer's. */
export function viewerFile(path: string): { file: string; type: string } | null {
  if (path === '/' || path === '/index.html') return { file: `${VIEWER_DIRECTORY}index.html`, type: TYPES.html };
  if (path === '/storyboard.schema.json') return { file: SCHEMA_FILE, type: TYPES.json };
  const match = VIEWER_FILE.exec(path);
  if (!match?.groups) return null;
  return { file: `${VIEWER_DIRECTORY}${match.groups.name}.${match.groups.ext}`, type: TYPES[match.groups.ext] };
}

/** The answer to a viewer path (GET or HEAD only), or null when the path is not the viewer's. */
export async function viewerResponse(method: string, path: string): Promise<APIGatewayProxyResult | null> {
  const found = viewerFile(path);
  if (!found) return null;
  const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': CONTENT_SECURITY_POLICY };
  if (method !== 'GET' && method !== 'HEAD') {
    return { statusCode: 405, headers: { ...headers, 'content-type': 'application/json', allow: 'GET, HEAD' }, body: JSON.stringify({ error: 'MethodNotAllowed', allowed: ['GET'] }) };
  }
  try {
    const body = await readFile(found.file, 'utf8');
    return { statusCode: 200, headers: { ...headers, 'content-type': found.type }, body: method === 'HEAD' ? '' : body };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { statusCode: 404, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ error: 'NotFound', message: `no viewer file ${path}` }) };
  }
}

/**
 * The viewer as a plain HTTP listener, for `longshot dev --stack|--api`: its page beside the signing
 * proxy, so the same viewer shows runs on AWS. Paths that are not the viewer's answer 404.
 */
export function serveViewer(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  viewerResponse(req.method ?? 'GET', path).then(
    (answer) => {
      if (!answer) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'NotFound', message: `no route for ${path}` }));
        return;
      }
      res.writeHead(answer.statusCode, answer.headers as Record<string, string>).end(answer.body);
    },
    (error: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'InternalError', message: error.message })),
  );
}
