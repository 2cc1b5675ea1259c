// A fetch made of XMLHttpRequest, for apollo-upload-client's UploadHttpLink (its `fetch`
// option): fetch cannot report how much of a request body was sent, XHR can. The progress
// callback travels with the request's init (Apollo passes context.fetchOptions through), and an
// AbortSignal in the init aborts the XHR.

/** UploadProgress is called as the body goes out: bytes sent so far, and in all (0: unknown). */
export type UploadProgress = (loaded: number, total: number) => void;

/** ProgressRequestInit is a RequestInit that may ask for upload progress. */
export interface ProgressRequestInit extends RequestInit {
  onUploadProgress?: UploadProgress;
}

/** parseResponseHeaders reads XMLHttpRequest.getAllResponseHeaders() into name/value pairs. */
export function parseResponseHeaders(raw: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of raw.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return out;
}

/** requestURL gives the URL a fetch input names. */
export function requestURL(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

/**
 * xhrFetch sends a request through XMLHttpRequest and resolves to a Response, as fetch does:
 * a network failure rejects with a TypeError, an abort with an AbortError, and any HTTP status
 * resolves. init.onUploadProgress hears the body's progress (ending at total/total).
 */
export function xhrFetch(input: RequestInfo | URL, init: ProgressRequestInit = {}): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const { signal, onUploadProgress } = init;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(init.method ?? 'GET', requestURL(input), true);
    xhr.responseType = 'arraybuffer';
    xhr.withCredentials = init.credentials === 'include';
    new Headers(init.headers).forEach((value, name) => xhr.setRequestHeader(name, value));
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    if (onUploadProgress && init.body != null) {
      xhr.upload.addEventListener('progress', (e) => onUploadProgress(e.loaded, e.lengthComputable ? e.total : 0));
      xhr.upload.addEventListener('load', (e) => onUploadProgress(e.total || e.loaded, e.total || e.loaded));
    }
    xhr.addEventListener('load', () => {
      done();
      const headers = new Headers(parseResponseHeaders(xhr.getAllResponseHeaders()));
      const body = NULL_BODY.has(xhr.status) ? null : (xhr.response as ArrayBuffer | null);
      resolve(new Response(body, { status: xhr.status, statusText: xhr.statusText, headers }));
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new TypeError('Failed to fetch: the connection to the server failed'));
    });
    xhr.addEventListener('timeout', () => {
      done();
      reject(new TypeError('Failed to fetch: the request timed out'));
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(abortError());
    });
    xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null);
  });
}
