// How the admin writes prices and dates.

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** formatDate writes an RFC 3339 time for people, in their locale. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

/** formatPrice writes a Decimal ("19.90") with grouping, keeping its two places exactly. */
export function formatPrice(decimal: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!m) return decimal;
  const whole = m[1].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${(m[2] ?? '').padEnd(2, '0')}`;
}
