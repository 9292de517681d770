// The API's messages read "中文 (english)": a person is shown the Chinese.
export function chinese(text) {
  if (typeof text !== 'string') return ''
  const cut = text.replace(/\s*\([^()]*[A-Za-z][^()]*\)\s*$/, '')
  return cut || text
}

// A field's reasons as Chinese lines, nested ones too: a list's rows ({"0": {"role": [...]}}) read
// "第1条：…", a nested form's own reason ({"_schema": [...]}) reads as itself.
export function reasonsOf(reasons) {
  if (reasons === null || reasons === undefined) return []
  if (Array.isArray(reasons)) return reasons.flatMap(reasonsOf)
  if (typeof reasons === 'object') {
    return Object.entries(reasons).flatMap(([key, value]) => {
      const inner = reasonsOf(value)
      return /^\d+$/.test(key) ? inner.map((r) => `第${Number(key) + 1}条：${r}`) : inner
    })
  }
  return [chinese(String(reasons))]
}

// One line for an error answer: its message, then each field's reasons.
export function errorText(body, labels = {}) {
  if (!body || typeof body !== 'object') return '操作没有成功，请稍后再试'
  const parts = [chinese(body.message) || '操作没有成功']
  for (const [field, reasons] of Object.entries(body.fields || {})) {
    parts.push(`${labels[field] || field}：${reasonsOf(reasons).join('；')}`)
  }
  return parts.join('。')
}

// The reasons per field, in Chinese, for el-form-item's error.
export function fieldErrors(body) {
  const out = {}
  for (const [field, reasons] of Object.entries(body?.fields || {})) {
    out[field] = reasonsOf(reasons).join('；')
  }
  return out
}

// The reasons (from fieldErrors) of a field and of every field inside it, as one line: a table's row
// says those of "kinds.member_hospitalized.receivers" and "kinds.member_hospitalized.push" beside it.
export function reasonsUnder(errors, prefix) {
  return Object.entries(errors || {}).filter(([field]) => field === prefix || field.startsWith(`${prefix}.`))
    .map(([, reasons]) => reasons).join('；')
}

// The words for a toast when a form shows each field's reason beside the field itself.
export function formMessage(error) {
  if (error?.body?.fields && Object.keys(error.body.fields).length) return `${chinese(error.body.message) || '输入有误'}，请看标红的地方`
  return error?.message || '操作没有成功'
}

// "李明、王芳, 张强" -> ["李明", "王芳", "张强"]: names typed in one box
export function splitNames(text) {
  return String(text || '').split(/[、，,；;\s]+/).map((part) => part.trim()).filter(Boolean)
}
