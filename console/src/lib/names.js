// Members' names for lists that carry only member ids (visit tasks, checks, dues):
// asked for in one call per list (GET /members?ids=...), remembered for the session.
import { reactive } from 'vue'
import { get } from './api.js'

export const names = reactive({})

export function missingIds(ids, known = names) {
  return [...new Set(ids.filter((id) => id && !(id in known)))]
}

export async function loadNames(ids) {
  const missing = missingIds(ids)
  for (let start = 0; start < missing.length; start += 500) {
    const chunk = missing.slice(start, start + 500)
    const answer = await get('/members', { ids: chunk.join(','), page_size: 500 })
    for (const member of answer.items) names[member.id] = member.name
    for (const id of chunk) if (!(id in names)) names[id] = `党员 ${id}`
  }
}

export const nameOf = (id) => (id ? names[id] || `党员 ${id}` : '—')
