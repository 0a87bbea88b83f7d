import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, ConflictError, type FetchLike } from "../../src/api/client";

interface Call {
  url: string;
  init: RequestInit;
}

function mockFetch(status: number, body: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init: init ?? {} });
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return { fetch, calls };
}

describe("ApiClient", () => {
  it("sends same-origin credentials and the CSRF token on writes only", async () => {
    const m = mockFetch(200, { id: 4, version: 3 });
    const api = new ApiClient("/api/", "tok", m.fetch);
    await api.saveAnnotation(4, { regions: [] }, 2);
    await api.task(12);
    expect(m.calls[0].url).toBe("/api/annotations/4/");
    expect(m.calls[0].init.method).toBe("PUT");
    expect(m.calls[0].init.credentials).toBe("same-origin");
    expect((m.calls[0].init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
    expect(JSON.parse(m.calls[0].init.body as string)).toEqual({ result: { regions: [] }, version: 2 });
    expect(m.calls[1].url).toBe("/api/tasks/12/");
    expect((m.calls[1].init.headers as Record<string, string>)["X-CSRFToken"]).toBeUndefined();
  });

  it("turns a 409 into a ConflictError carrying the server's current version", async () => {
    const current = { id: 4, version: 7, result: { regions: [{ id: "r1", track: "t", time_ms: 5 }] } };
    const m = mockFetch(409, { detail: "stale version", current_version: 7, current });
    const api = new ApiClient("/api", "tok", m.fetch);
    const err = await api.saveAnnotation(4, { regions: [] }, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    const c = err as ConflictError;
    expect(c.status).toBe(409);
    expect(c.detail).toBe("stale version");
    expect(c.currentVersion).toBe(7);
    expect(c.current?.result.regions[0].id).toBe("r1");
  });

  it("takes the version from `current` when current_version is missing", async () => {
    const m = mockFetch(409, { detail: "conflict", current: { id: 4, version: 9, result: { regions: [] } } });
    const err = (await new ApiClient("/api", "t", m.fetch).saveAnnotation(4, { regions: [] }, 1).catch((e: unknown) => e)) as ConflictError;
    expect(err.currentVersion).toBe(9);
  });

  it("raises ApiError with the detail for other failures", async () => {
    const m = mockFetch(403, { detail: "You do not have permission to perform this action." });
    const err = await new ApiClient("/api", "t", m.fetch).task(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).not.toBeInstanceOf(ConflictError);
    expect((err as ApiError).message).toBe("403: You do not have permission to perform this action.");
  });

  it("reads paginated and bare lists, and 204 from next", async () => {
    const paged = mockFetch(200, { count: 1, next: null, previous: null, results: [{ id: 1 }] });
    expect(await new ApiClient("/api", "t", paged.fetch).annotations(3)).toEqual([{ id: 1 }]);
    const bare = mockFetch(200, [{ id: 2, model: "m" }]);
    expect(await new ApiClient("/api", "t", bare.fetch).predictions(3)).toEqual([{ id: 2, model: "m" }]);
    const empty = mockFetch(204, null);
    expect(await new ApiClient("/api", "t", empty.fetch).next(3)).toBeNull();
    const next = mockFetch(200, { task: { id: 44 } });
    expect(await new ApiClient("/api", "t", next.fetch).next(3)).toEqual({ id: 44 });
    expect(next.calls[0].url).toBe("/api/projects/3/next/");
  });

  it("uses server-given absolute paths as they are", async () => {
    const m = mockFetch(200, { fps: 25, timestamps_ms: [0] });
    await new ApiClient("/api", "t", m.fetch).frames("/api/assets/9/frames/");
    expect(m.calls[0].url).toBe("/api/assets/9/frames/");
  });

  it("posts resolve with result and sources", async () => {
    const m = mockFetch(200, {});
    await new ApiClient("/api", "t", m.fetch).resolve(5, { regions: [] }, [11, 12]);
    expect(m.calls[0].url).toBe("/api/review-items/5/resolve/");
    expect(JSON.parse(m.calls[0].init.body as string)).toEqual({ result: { regions: [] }, sources: [11, 12] });
  });
});
