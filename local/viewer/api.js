// The page's only server: the local API on this origin (GET/POST/DELETE /runs, /compares).

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** `body` is sent as given when it is a string (the pasted storyboard, byte for byte), else as JSON. */
export async function api(method, path, body) {
  const init = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/**
 * Loads a report (anything with a `status`) and shows it, again every `everyMs` while it is
 * running; a load that fails is shown by `showError` and tried again later. stop() ends it for
 * good; refresh() loads at once (after a button changed the run).
 */
export function follow(load, show, showError, everyMs) {
  let timer;
  let stopped = false;
  async function poll() {
    try {
      const report = await load();
      if (stopped) return;
      show(report);
      if (report.status === 'running') timer = setTimeout(poll, everyMs);
    } catch (error) {
      if (stopped) return;
      showError(error);
      timer = setTimeout(poll, everyMs * 3);
    }
  }
  void poll();
  return {
    stop: () => ((stopped = true), clearTimeout(timer)),
    refresh: () => {
      clearTimeout(timer);
      void poll();
    },
  };
}
