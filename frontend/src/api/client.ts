import type { Result } from "../timeline/types";
import type { Annotation, Frames, Page, Prediction, Project, ReviewItem, Shots, Task, WaveformJson } from "./types";

/** An error answer of the API: the status and the server's `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly body: unknown,
  ) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

/** 409 on a stale version: carries the server's current version and content. */
export class ConflictError extends ApiError {
  constructor(
    detail: string,
    readonly currentVersion: number,
    readonly current: Annotation | null,
    body: unknown,
  ) {
    super(409, detail, body);
    this.name = "ConflictError";
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Lists come paginated ({count, next, previous, results}) or bare; accept both. */
function listOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object" && Array.isArray((body as Page<T>).results)) return (body as Page<T>).results;
  return [];
}

/**
 * Typed client of the editor's endpoints: same-origin session cookies, X-CSRFToken on writes,
 * JSON errors turned into ApiError (ConflictError for 409).
 */
export class ApiClient {
  constructor(
    private base: string,
    private csrfToken: string,
    private fetchFn: FetchLike = (i, init) => fetch(i, init),
  ) {
    this.base = base.replace(/\/+$/, "");
  }

  /** Absolute-or-relative URL as the server gave it, else under apiBase. */
  url(path: string): string {
    if (/^https?:\/\//.test(path) || path.startsWith("/")) return path;
    return `${this.base}/${path}`;
  }

  async request<T>(method: string, path: string, body?: unknown, opts: { keepalive?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const write = method !== "GET" && method !== "HEAD";
    if (write) headers["X-CSRFToken"] = this.csrfToken;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await this.fetchFn(this.url(path), {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      keepalive: opts.keepalive,
    });
    if (res.status === 204) return null as T;
    const text = await res.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const detail =
        data && typeof data === "object" && "detail" in data ? String((data as { detail: unknown }).detail) : res.statusText || `HTTP ${res.status}`;
      if (res.status === 409) {
        const d = (data ?? {}) as { current_version?: unknown; current?: unknown };
        const cur = (d.current ?? null) as Annotation | null;
        const v = typeof d.current_version === "number" ? d.current_version : cur && typeof cur.version === "number" ? cur.version : NaN;
        throw new ConflictError(detail, v, cur, data);
      }
      throw new ApiError(res.status, detail, data);
    }
    return data as T;
  }

  task(id: number): Promise<Task> {
    return this.request("GET", `tasks/${id}/`);
  }
  project(id: number): Promise<Project> {
    return this.request("GET", `projects/${id}/`);
  }
  async annotations(taskId: number): Promise<Annotation[]> {
    return listOf<Annotation>(await this.request("GET", `tasks/${taskId}/annotations/`));
  }
  createAnnotation(taskId: number, result: Result): Promise<Annotation> {
    return this.request("POST", `tasks/${taskId}/annotations/`, { result });
  }
  saveAnnotation(id: number, result: Result, version: number, keepalive = false): Promise<Annotation> {
    return this.request("PUT", `annotations/${id}/`, { result, version }, { keepalive });
  }
  submitAnnotation(id: number, version: number): Promise<Annotation> {
    return this.request("POST", `annotations/${id}/submit/`, { version });
  }
  /** Submitted → draft again (the author, where the project allows it; 409 once review began). */
  reopenAnnotation(id: number): Promise<Annotation> {
    return this.request("POST", `annotations/${id}/reopen/`);
  }
  /** The caller's next task, or null when the queue is empty (204). */
  async next(projectId: number): Promise<{ id: number } | null> {
    const r = await this.request<{ task: { id: number } } | null>("POST", `projects/${projectId}/next/`);
    return r && r.task ? r.task : null;
  }
  skip(taskId: number): Promise<unknown> {
    return this.request("POST", `tasks/${taskId}/skip/`);
  }
  async predictions(taskId: number): Promise<Prediction[]> {
    return listOf<Prediction>(await this.request("GET", `tasks/${taskId}/predictions/`));
  }
  shots(url: string): Promise<Shots> {
    return this.request("GET", url);
  }
  /** Precomputed peaks (waveform-data.js JSON) at one level, in samples per pixel. */
  waveform(url: string, level: number): Promise<WaveformJson> {
    return this.request("GET", `${url}${url.includes("?") ? "&" : "?"}level=${level}&format=json`);
  }
  frames(url: string): Promise<Frames> {
    return this.request("GET", url);
  }
  reviewItem(id: number): Promise<ReviewItem> {
    return this.request("GET", `review-items/${id}/`);
  }
  claim(id: number): Promise<unknown> {
    return this.request("POST", `review-items/${id}/claim/`);
  }
  resolve(id: number, result: Result, sources: number[]): Promise<unknown> {
    return this.request("POST", `review-items/${id}/resolve/`, { result, sources });
  }
}
