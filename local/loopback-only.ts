// The local stack answers this machine's tools only. A web page the developer has open can send
// requests to 127.0.0.1 too (its Origin says where it came from), or reach a local port under its
// own name through DNS rebinding (its Host says which name): either way it must not start paid
// runs. Tools (curl, the AWS CLI and SDKs, the Replicate emulator) send no Origin and a loopback Host.
import type { IncomingHttpHeaders } from 'node:http';
import ipaddr from 'ipaddr.js';

/** localhost, 127.0.0.0/8 and ::1: the only hosts a developer's own tools use. */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
}

/** Why a request (from a web page) is refused, or null: a non-loopback Origin or Host. */
export function browserRefusal(headers: Pick<IncomingHttpHeaders, 'origin' | 'host'>): string | null {
  const origin = headers.origin;
  if (origin !== undefined) {
    const hostname = URL.canParse(origin) ? new URL(origin).hostname : '';
    if (!hostname || !isLoopbackHost(hostname)) return `requests from the web page at ${JSON.stringify(origin.slice(0, 100))} are refused; the local stack only answers this machine`;
  }
  const host = headers.host;
  if (host !== undefined) {
    const hostname = URL.canParse(`http://${host}`) ? new URL(`http://${host}`).hostname : '';
    if (!hostname || !isLoopbackHost(hostname)) return `Host ${JSON.stringify(host.slice(0, 100))} is not this machine's loopback address; use http://127.0.0.1`;
  }
  return null;
}
