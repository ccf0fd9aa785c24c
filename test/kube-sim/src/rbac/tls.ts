export interface ServingCert {
  key: string;
  cert: string;
}

/**
 * A self-signed serving certificate for 127.0.0.1/localhost (and `host`), acting as its own CA:
 * kubectl sends bearer tokens only over TLS, so with RBAC on the simulator serves HTTPS and its
 * kubeconfigs carry this certificate as certificate-authority-data.
 */
export async function makeServingCert(host: string): Promise<ServingCert> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  if (host !== "127.0.0.1" && host !== "localhost") {
    altNames.push(/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  // Loaded on demand: simulators without RBAC never pay for the X.509 libraries.
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: "kube-sim" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
