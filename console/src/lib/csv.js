// A table exported as CSV with a byte-order mark, which Excel opens as UTF-8 Chinese.
export function csv(columns, rows) {
  const cell = (value) => {
    const text = value === null || value === undefined ? '' : String(value)
    // a leading = + - @ would be read as a formula by Excel
    const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  const lines = [columns.map((c) => cell(c.label))]
  for (const row of rows) lines.push(columns.map((c) => cell(c.text ? c.text(row) : row[c.prop])))
  return '\ufeff' + lines.map((line) => line.join(',')).join('\r\n') + '\r\n'
}
