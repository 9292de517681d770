// How figures are written for a person: money in yuan with separators, dates as 2026年3月5日.

export function money(value, unit = '元') {
  if (value === null || value === undefined || value === '') return '—'
  const text = String(value)
  if (text.includes('*')) return text // masked for this role
  const [whole, cents = '00'] = text.replace(/^-/, '').split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${text.startsWith('-') ? '-' : ''}${grouped}.${cents.padEnd(2, '0').slice(0, 2)}${unit ? ' ' + unit : ''}`
}

export function date(value) {
  if (!value) return '—'
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value))
  if (!m) return String(value)
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`
}

export function dateTime(value) {
  if (!value) return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

// the office's day (China time), as the API writes it
export function today(now = new Date()) {
  const china = new Date(now.getTime() + 8 * 3600 * 1000)
  return china.toISOString().slice(0, 10)
}

export function age(birthDate, on = today()) {
  if (!birthDate || String(birthDate).includes('*')) return null
  const [y, m, d] = String(birthDate).split('-').map(Number)
  const [ty, tm, td] = String(on).split('-').map(Number)
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0)
}

// days from `on` to `value` (negative: past)
export function daysUntil(value, on = today()) {
  const a = Date.UTC(...String(on).split('-').map((n, i) => Number(n) - (i === 1 ? 1 : 0)))
  const b = Date.UTC(...String(value).split('-').map((n, i) => Number(n) - (i === 1 ? 1 : 0)))
  return Math.round((b - a) / 86400000)
}

export function yesNo(value) {
  if (value === null || value === undefined) return '—'
  if (value === '***') return value
  return value ? '是' : '否'
}
