// A V8 CPU profile of a window of this process (the inspector's Profiler, so start-up and migrations
// stay out of it), reduced to self time per package: which library the JavaScript time goes to.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuSummary {
  /** Busy (non-idle) CPU milliseconds per message of this process during the window. */
  busy_ms_per_message: number;
  /** Share of busy self time by package (`leadchat` = server/src, `node` = Node's own JavaScript). */
  by_package_percent: Record<string, number>;
  top_functions: { fn: string; percent: number }[];
}

export async function startCpuProfile(): Promise<{ stop(messages: number): Promise<CpuSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(messages) {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      return summarise(profile, messages);
    },
  };
}

function summarise(profile: Profile, messages: number): CpuSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += us;
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${pkg}${frame.url ? `:${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const percent = (us: number) => Math.round((us / busy) * 1000) / 10;
  const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return {
    busy_ms_per_message: Math.round((busy / 1000 / messages) * 100) / 100,
    by_package_percent: Object.fromEntries(top(packages, 12).map(([k, us]) => [k, percent(us)])),
    top_functions: top(functions, 12).map(([fn, us]) => ({ fn, percent: percent(us) })),
  };
}

/** Node's native write calls: a socket write on loopback runs the receiver's TCP stack in the caller's syscall. */
const WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString']);

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : WRITES.has(functionName) ? 'native writes (sockets, files)' : 'native other';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/server/src/')) return 'leadchat';
  return url.includes('/bench/') ? 'bench' : 'other';
}
