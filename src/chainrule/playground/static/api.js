// The page's only way to the server: every /api request carries the launch token (from the
// page's own URL, ?token=...) as the X-Chainrule-Token header (API.md, "Transport, security").

export const token = new URLSearchParams(window.location.search).get("token") || "";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body, contentType) {
  const headers = { "X-Chainrule-Token": token };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    payload = contentType ? body : JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, cache: "no-store" });
  let data = null;
  const text = await response.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);
export const postText = (path, text, type) => request("POST", path, text, type);

// A GET link (downloads): the token goes in the query, as API.md allows for GET.
export function link(path) {
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}token=${encodeURIComponent(token)}`;
}
