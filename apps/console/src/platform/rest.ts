/**
 * REST calls. A refusal is an RFC 9457 problem; `ApiProblem` keeps its words and fields so a page
 * can show them as the api wrote them (they name the line or column that is wrong).
 */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  code?: string;
  missingAllowances?: string[];
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

function problemOf(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as Partial<Problem> & { message?: string };
    return {
      status,
      title: body.title ?? `HTTP ${status}`,
      ...((body.detail ?? body.message) ? { detail: body.detail ?? body.message } : {}),
      ...(body.code ? { code: body.code } : {}),
      ...(body.missingAllowances ? { missingAllowances: body.missingAllowances } : {}),
    };
  } catch {
    return { status, title: `HTTP ${status}`, ...(text ? { detail: text.slice(0, 500) } : {}) };
  }
}

export async function apiFetch<T>(path: string, token: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  const text = await response.text();
  if (!response.ok) throw new ApiProblem(problemOf(response.status, text));
  return (text ? JSON.parse(text) : null) as T;
}

export interface UploadProgress { sent: number; total: number }

/**
 * fetch() cannot report bytes sent, XMLHttpRequest can: the progress bar is the real one.
 * Resolves with the parsed body of a 2xx answer, rejects with the problem otherwise.
 */
export function uploadWithProgress<T>(path: string, token: string, body: FormData, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : 0 });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as T);
      else reject(new ApiProblem(problemOf(xhr.status, xhr.responseText)));
    };
    xhr.onerror = () => reject(new ApiProblem({ status: 0, title: 'Network error', detail: 'The api could not be reached.' }));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** Downloads a file the api serves behind the bearer token (a plain link cannot send it). */
export async function download(path: string, token: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new ApiProblem(problemOf(response.status, await response.text()));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
