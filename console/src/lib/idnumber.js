// What an 18-character Chinese ID number tells: the birth date (characters 7–14) and the
// gender (the 17th digit: odd for men). Used to fill the form; the API checks the number.
export function fromIdNumber(text) {
  const value = String(text || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(value)) return {}
  const [y, m, d] = [value.slice(6, 10), value.slice(10, 12), value.slice(12, 14)]
  const day = new Date(`${y}-${m}-${d}T00:00:00Z`)
  const birth = !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === `${y}-${m}-${d}` ? `${y}-${m}-${d}` : undefined
  return { birth_date: birth, gender: Number(value[16]) % 2 === 1 ? 'male' : 'female' }
}

// only the fields whose value changed (a PATCH sends no more)
export function changes(before, after) {
  const out = {}
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(value ?? null) !== JSON.stringify(before?.[key] ?? null)) out[key] = value
  }
  return out
}
