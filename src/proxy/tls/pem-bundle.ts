/** Splits a PEM bundle into its `CERTIFICATE` blocks, in order (other blocks are ignored). */
export function splitPemCertificates(pem: string): string[] {
  const out: string[] = [];
  const begin = '-----BEGIN CERTIFICATE-----';
  const end = '-----END CERTIFICATE-----';
  let from = 0;
  for (;;) {
    const b = pem.indexOf(begin, from);
    if (b < 0) break;
    const e = pem.indexOf(end, b);
    if (e < 0) break;
    out.push(pem.slice(b, e + end.length) + '\n');
    from = e + end.length;
  }
  return out;
}
