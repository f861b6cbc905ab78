const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

// "1:56 pm on 8 May, 2023": every session time in locomo10.json has this form.
const LOCOMO_TIME = /^\s*(\d{1,2}):(\d{2})\s*([ap])\.?m\.?\s+on\s+(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})\s*$/i;

/** A month's full name or an abbreviation of at least three letters ("Sep", "Sept"), as 0–11; -1 when none. */
function monthIndex(word: string): number {
  const lower = word.toLowerCase();
  return lower.length < 3 ? -1 : MONTHS.findIndex((name) => name.startsWith(lower));
}

/**
 * A LoCoMo session time ("1:56 pm on 8 May, 2023") as ISO 8601 UTC
 * ("2023-05-08T13:56:00.000Z"), or null when it is not in that form or names
 * no real date. The file gives no time zone; UTC keeps the wall-clock reading.
 */
export function parseLocomoTime(text: string): string | null {
  const m = LOCOMO_TIME.exec(text);
  if (!m) return null;
  const [, hourText = '', minuteText = '', meridiem = '', dayText = '', monthText = '', yearText = ''] = m;
  const hour12 = Number(hourText);
  const minute = Number(minuteText);
  const day = Number(dayText);
  const month = monthIndex(monthText);
  const year = Number(yearText);
  if (hour12 < 1 || hour12 > 12 || minute > 59 || month < 0) return null;
  const hour = (hour12 % 12) + (meridiem.toLowerCase() === 'p' ? 12 : 0);
  const date = new Date(Date.UTC(year, month, day, hour, minute));
  // Date.UTC rolls "31 June" over to 1 July: refuse dates that do not exist.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month) return null;
  return date.toISOString();
}
