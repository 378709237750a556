/**
 * `weft check`: is the mesh in sync? Checks that the control plane answers, and that every proxy it
 * has seen is connected, has acknowledged the latest version compiled for it, and has not refused
 * (NACKed) it, and that the certificate each connected proxy reported stays valid for at least
 * `--min-cert-validity`; a disconnected proxy's line says what it last reported of its certificate. Prints one line per proxy with a reason per failure; exit 0 when all is
 * well, 1 otherwise. A proxy on a patch ACKs the patch's version, which is the snapshot's version.
 */
import { durationToMs } from '../../api/duration.js';
import type { ProxyStatus } from '../../control/distributor/distributor.js';
import type { HealthResponse } from '../../control/api/api-types.js';
import type { ProxiesResponse } from '../../control/distributor/proxy-routes.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';

const options: readonly CommandOption[] = [
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
  {
    name: 'min-cert-validity',
    value: 'DURATION',
    description: 'How long each proxy\'s certificate must stay valid (e.g. 10m, 1h). Default 10m, or a third of the mesh certificate lifetime when that is shorter (certificates renew at two-thirds of their life).',
  },
];

const defaultMinValidityMs = 10 * 60_000;

/** "2h 5m", "9m 59s", "42s", "350ms": the largest unit and the next one. */
export function formatRemaining(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  const units: readonly (readonly [string, number])[] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const i = units.findIndex(([, size]) => abs >= size);
  const [name, size] = units[i] ?? ['s', 1000];
  const n = Math.floor(abs / size);
  const next = units[i + 1];
  const m = next !== undefined ? Math.floor((abs - n * size) / next[1]) : 0;
  return next !== undefined && m > 0 ? `${n}${name} ${m}${next[0]}` : `${n}${name}`;
}

/** 10 minutes, or a third of the certificate lifetime when shorter (renewal is due at two-thirds). */
export function defaultMinValidity(certificateLifetimeMs: number | undefined): number {
  return certificateLifetimeMs !== undefined ? Math.min(defaultMinValidityMs, certificateLifetimeMs / 3) : defaultMinValidityMs;
}

/** The certificate problem of a connected proxy, if any. */
export function certificateProblem(p: ProxyStatus, nowMs: number, minValidityMs: number): string | undefined {
  if (p.certificate === undefined) return 'no certificate reported';
  const remaining = p.certificate.notAfter - nowMs;
  const at = new Date(p.certificate.notAfter).toISOString();
  if (remaining <= 0) return `certificate expired ${formatRemaining(remaining)} ago (${at})`;
  if (remaining < minValidityMs) return `certificate expires in ${formatRemaining(remaining)} (${at}), under the minimum ${formatRemaining(minValidityMs)}`;
  return undefined;
}

/**
 * What is known of a disconnected proxy's certificate: the one it last reported (it may have renewed
 * since without being able to say so), expired or valid until when.
 */
export function lastKnownCertificate(p: ProxyStatus, nowMs: number): string {
  if (p.certificate === undefined) return 'no certificate was reported';
  const remaining = p.certificate.notAfter - nowMs;
  const at = new Date(p.certificate.notAfter).toISOString();
  if (remaining <= 0) return `its last reported certificate expired ${formatRemaining(remaining)} ago (${at})`;
  return `its last reported certificate is valid until ${at} (${formatRemaining(remaining)} left)`;
}

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed || parsed.positionals.length > 0) {
    io.stderr.write(`weft check: ${'usageError' in parsed ? parsed.usageError : 'takes no arguments'}\n`);
    return 2;
  }
  const minText = parsed.values['min-cert-validity'];
  const minGiven = typeof minText === 'string' ? durationToMs(minText) : undefined;
  if (typeof minText === 'string' && (minGiven === undefined || minGiven <= 0)) {
    io.stderr.write(`weft check: --min-cert-validity takes a duration like 10m or 1h, not "${minText}"\n`);
    return 2;
  }
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, false);
  const health = await client.request('GET', '/health');
  if (health.kind !== 'answer' || health.status !== 200) return reportFailure(io, 'check', health);
  io.stdout.write(`ok    control plane at ${client.baseUrl} (store version ${(health.body as HealthResponse).storeVersion})\n`);
  const answer = await client.request('GET', '/proxies');
  if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'check', answer);
  const { proxies, certificateLifetimeMs } = answer.body as ProxiesResponse;
  const minValidityMs = minGiven ?? defaultMinValidity(certificateLifetimeMs);
  const now = Date.now();
  let failures = 0;
  for (const p of proxies) {
    const problems: string[] = [];
    if (!p.connected) problems.push(`not connected to the control plane (${lastKnownCertificate(p, now)})`);
    if (p.nack !== undefined) problems.push(`refused version ${p.nack.version}: ${p.nack.reason}`);
    if (p.latestVersion === undefined) problems.push('no snapshot compiled for it');
    else if (p.ackedVersion !== p.latestVersion) problems.push(`on version ${p.ackedVersion ?? 'none'}, latest is ${p.latestVersion}`);
    // Only a connected proxy's report is current; a lost one already fails above, with its last report.
    const certificate = p.connected ? certificateProblem(p, now, minValidityMs) : undefined;
    if (certificate !== undefined) problems.push(certificate);
    if (problems.length === 0) {
      const left = p.certificate !== undefined ? `, certificate valid for ${formatRemaining(p.certificate.notAfter - now)}` : '';
      io.stdout.write(`ok    proxy ${p.key} (${p.identity}) on version ${p.latestVersion ?? '?'}${left}\n`);
    } else {
      failures++;
      io.stdout.write(`FAIL  proxy ${p.key} (${p.identity}): ${problems.join('; ')}\n`);
    }
  }
  io.stdout.write(`${proxies.length} ${proxies.length === 1 ? 'proxy' : 'proxies'}, ${failures} failing\n`);
  return failures === 0 ? 0 : 1;
}

export function createCheckCommand(): Command {
  return {
    name: 'check',
    summary: 'Check that the control plane is up and every proxy is in sync, with a valid certificate',
    usage: '[--control URL] [--min-cert-validity DURATION]',
    description: [
      'Checks that the control plane answers and that every proxy it has seen is connected, has',
      'acknowledged the latest snapshot version compiled for it, and has not refused one, and that',
      'the certificate each connected proxy reports is valid for at least --min-cert-validity',
      '(default 10m, or a third of the mesh certificate lifetime when that is shorter: with 60s',
      'certificates, 20s). Expired, expiring soon and unreported certificates fail, with the time',
      'left. A disconnected proxy fails, and its line says whether the certificate it last reported',
      'has expired or until when it is valid. Prints one line per proxy, with the reason for each',
      'failure. Exit 0 when all is well,',
      '1 otherwise.',
    ].join('\n'),
    options,
    run,
  };
}
