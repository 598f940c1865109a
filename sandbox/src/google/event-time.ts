// Google Calendar's EventDateTime: all-day events as {date}, timed events as a local dateTime with
// the zone's UTC offset plus the IANA timeZone they were created in ("2025-03-10T09:00:00+01:00").

const two = (n: number): string => String(n).padStart(2, '0');

function localParts(ms: number, timeZone: string): { y: string; mo: string; d: string; h: string; mi: string; s: string; offsetMinutes: number } {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value])) as Record<string, string>;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMinutes = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  return { y: parts.year ?? '', mo: parts.month ?? '', d: parts.day ?? '', h: parts.hour ?? '', mi: parts.minute ?? '', s: parts.second ?? '', offsetMinutes };
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function googleEventTime(ms: number, timeZone: string | null, allDay: boolean): Record<string, string> {
  const p = localParts(ms, timeZone ?? 'UTC');
  if (allDay) return { date: `${p.y}-${p.mo}-${p.d}` };
  if (!timeZone) return { dateTime: new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'), timeZone: 'UTC' };
  const sign = p.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(p.offsetMinutes);
  return { dateTime: `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`, timeZone };
}
