// configurable-http-proxy that forwards only the hub's own cookies.
//
// Cookies are scoped to a host, not a port: a browser that holds the lab's session for a host
// also sends it to a hub on that host, and the proxy would hand it to a user's own single-user
// server, which its user controls. Before any request or websocket upgrade is proxied, every
// cookie but JupyterHub's (`jupyterhub-*`) and Jupyter's `_xsrf` is dropped from it. Then the
// proxy's own command line runs unchanged, with the arguments JupyterHub passes.
import ConfigurableProxy from "configurable-http-proxy/lib/configproxy.js";

const KEPT = /^(jupyterhub-[^=]*|_xsrf)$/;

export function keptCookies(header) {
  return header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => KEPT.test(pair.split("=", 1)[0].trim()))
    .join("; ");
}

const handleProxy = ConfigurableProxy.prototype.handleProxy;
ConfigurableProxy.prototype.handleProxy = function (kind, req, ...rest) {
  if (req.headers.cookie !== undefined) {
    const kept = keptCookies(req.headers.cookie);
    if (kept) {
      req.headers.cookie = kept;
    } else {
      delete req.headers.cookie;
    }
  }
  return handleProxy.call(this, kind, req, ...rest);
};

await import("configurable-http-proxy/bin/configurable-http-proxy");
