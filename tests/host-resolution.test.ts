import { describe, expect, it } from "vitest";
import { requestHost, resolveHost } from "../tenancy/host";

describe("resolveHost", () => {
  it.each([
    ["acme.localhost", "acme"],
    ["acme.localhost:3000", "acme"],
    ["ACME.LocalHost", "acme"],
    ["acme.localhost.", "acme"],
    ["Acme.LOCALHOST.:8080", "acme"],
    ["acme-support-2.localhost", "acme-support-2"],
  ])("%s names tenant %s", (host, slug) => {
    expect(resolveHost(host, "localhost")).toEqual({ kind: "tenant", slug });
  });

  it.each(["localhost", "localhost:3000", "LOCALHOST.", "www.localhost"])("%s is the bare domain", (host) => {
    expect(resolveHost(host, "localhost")).toEqual({ kind: "apex" });
  });

  it.each([
    ["another domain", "acme.example.com"],
    ["a suffix look-alike", "acme.evil-localhost"],
    ["a deeper name", "x.acme.localhost"],
    ["an IPv4 literal", "127.0.0.1:3000"],
    ["an IPv6 literal", "[::1]:3000"],
    ["an empty header", ""],
    ["a label too short to be a slug", "ab.localhost"],
    ["a label with an underscore", "ac_me.localhost"],
    ["a punycode label", "xn--80ak6aa92e.localhost"],
    ["a label starting with a digit", "1acme.localhost"],
    ["a bad port", "acme.localhost:http"],
  ])("%s is unknown (%s)", (_why, host) => {
    expect(resolveHost(host, "localhost").kind).toBe("unknown");
  });

  it("works under a multi-label APP_DOMAIN", () => {
    expect(resolveHost("acme.help.example.com", "help.example.com")).toEqual({ kind: "tenant", slug: "acme" });
    expect(resolveHost("help.example.com", "help.example.com")).toEqual({ kind: "apex" });
    expect(resolveHost("example.com", "help.example.com").kind).toBe("unknown");
  });
});

describe("requestHost", () => {
  const headers = { host: "acme.localhost", "x-forwarded-host": "evil.localhost, other" };
  it("ignores X-Forwarded-Host unless the proxy is trusted", () => {
    expect(requestHost(headers, false)).toBe("acme.localhost");
    expect(requestHost(headers, true)).toBe("evil.localhost");
  });
});
