// Dates as people read them ("7 Aug 2033 (in 9 years)"), the same on every system locale so
// screenshots, tests and support answers match.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 24 * 60 * 60 * 1000;

function parse(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function formatDate(value) {
  const d = parse(value);
  if (!d) return value ? String(value) : '—';
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

export function formatDateTime(value) {
  const d = parse(value);
  if (!d) return formatDate(value);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return `${formatDate(value)}, ${hh}:${mm}`;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function relative(value, now = new Date()) {
  const d = parse(value);
  if (!d) return '';
  const days = Math.round((d.getTime() - now.getTime()) / DAY);
  const span = Math.abs(days);
  let amount;
  if (span === 0) return 'today';
  if (span < 45) amount = plural(span, 'day');
  else if (span < 548) amount = plural(Math.round(span / 30.44), 'month');
  else amount = plural(Math.round(span / 365.25), 'year');
  return days > 0 ? `in ${amount}` : `${amount} ago`;
}

export function formatExpiry(value, now = new Date()) {
  const d = parse(value);
  if (!d) return formatDate(value);
  const rel = relative(value, now);
  const expired = d.getTime() < now.getTime();
  return `${formatDate(value)} (${expired ? `expired ${rel}` : rel})`;
}
