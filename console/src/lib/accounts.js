// Accounts as the admin keeps them: what a form sends (a secretary's branches, nobody else's),
// and the changes of an account (a PATCH sends no more than what changed).
export const SECRETARY = 'secretary'

// the form -> POST /accounts's body
export function newAccountBody(form) {
  const body = { username: String(form.username || '').trim(), password: form.password || '', role: form.role }
  const name = String(form.display_name || '').trim()
  if (name) body.display_name = name
  if (form.role === SECRETARY) body.branch_ids = [...(form.branch_ids || [])]
  return body
}

// the account and the form -> PATCH /accounts/{id}'s body (empty: nothing to save)
export function accountChanges(account, form) {
  const out = {}
  if (form.role !== account.role) out.role = form.role
  const name = String(form.display_name || '').trim()
  if (name !== (account.display_name || '')) out.display_name = name
  const wanted = form.role === SECRETARY ? [...(form.branch_ids || [])].sort((a, b) => a - b) : []
  const had = [...(account.branch_ids || [])].sort((a, b) => a - b)
  if (JSON.stringify(wanted) !== JSON.stringify(had)) out.branch_ids = wanted
  return out
}
