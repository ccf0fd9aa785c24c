import { describe, expect, it } from "vitest";
import {
  CallbackAddressRefusedError,
  checkCallbackUrl,
  isPublicAddress,
  parseCallbackAllowedHosts,
  resolveCallbackAddress,
} from "./callback-policy.js";
import { PolicyRefusedError } from "./policy-refused-error.js";

describe("callback policy", () => {
  it.each([
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["64:ff9b::a00:1", false],
    ["::7f00:1", false], // IPv4-compatible (::/96): 127.0.0.1
    ["::a9fe:a9fe", false], // IPv4-compatible: 169.254.169.254 (cloud metadata)
    ["::808:808", false], // IPv4-compatible, even of a public IPv4 address: deprecated, never public
    ["::ffff:0:7f00:1", false], // IPv4-translated (RFC 6145)
    ["2002:7f00:1::", false], // 6to4 of 127.0.0.1
    ["fec0::1", false], // deprecated site-local
    ["100::1", false], // discard-only
    ["3fff::1", false], // documentation

    ["8.8.8.8", true],
    ["2606:4700:4700::1111", true],
    ["::ffff:8.8.8.8", true],
  ])("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it("refuses at the edge what it can tell without resolving, naming the rule", () => {
    for (const url of [
      "http://127.0.0.1/x",
      "http://[::1]/x",
      "http://[::7f00:1]/x",
      "http://[::127.0.0.1]/x",
      "http://[0:0:0:0:0:0:a9fe:a9fe]/x",
      "http://localhost:8080/x",
      "http://metadata.google.internal/x",
      "http://user:pw@hooks.example.com/x",
    ]) {
      expect(() => checkCallbackUrl(url, []), url).toThrow(PolicyRefusedError);
    }
    expect(() => checkCallbackUrl("https://hooks.example.com/x", [])).not.toThrow();
    expect(() => checkCallbackUrl("https://hooks.example.com/x", ["*.svc.cluster.local"])).toThrow(
      /not in CALLBACK_ALLOWED_HOSTS/,
    );
    expect(() =>
      checkCallbackUrl("http://recv.ns.svc.cluster.local/x", ["*.svc.cluster.local"]),
    ).not.toThrow();
  });

  it("checks the resolved addresses at send time, so a public-looking name that resolves inside is refused (DNS rebinding)", async () => {
    const rebinding = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "169.254.169.254", family: 4 },
    ];
    await expect(resolveCallbackAddress("https://hooks.example.com/x", [], rebinding)).rejects.toThrow(
      CallbackAddressRefusedError,
    );
    const publicOnly = async () => [{ address: "93.184.216.34", family: 4 }];
    await expect(resolveCallbackAddress("https://hooks.example.com/x", [], publicOnly)).resolves.toEqual({
      address: "93.184.216.34",
      family: 4,
    });
    const inside = async () => [{ address: "10.0.0.7", family: 4 }];
    await expect(
      resolveCallbackAddress("http://recv.svc.cluster.local/x", ["*.svc.cluster.local"], inside),
    ).resolves.toEqual({
      address: "10.0.0.7",
      family: 4,
    });
    await expect(resolveCallbackAddress("http://[::1]:9/x", [])).rejects.toThrow(/not a public address/);
    // IPv4-compatible IPv6 (::/96) reaches the IPv4 address on some stacks: refused at send time too
    const compatible = async () => [{ address: "::a9fe:a9fe", family: 6 }];
    await expect(resolveCallbackAddress("https://hooks.example.com/x", [], compatible)).rejects.toThrow(
      /::a9fe:a9fe, which is not a public address/,
    );
    await expect(resolveCallbackAddress("http://[::7f00:1]:9/x", [])).rejects.toThrow(/not a public address/);
  });

  it("parses CALLBACK_ALLOWED_HOSTS and names a bad entry", () => {
    expect(parseCallbackAllowedHosts(" Hooks.example.com, *.svc.cluster.local ")).toEqual([
      "hooks.example.com",
      "*.svc.cluster.local",
    ]);
    expect(parseCallbackAllowedHosts(undefined)).toEqual([]);
    expect(() => parseCallbackAllowedHosts("https://x.example.com")).toThrow(/CALLBACK_ALLOWED_HOSTS entry/);
  });
});
