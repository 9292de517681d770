// Funding's forms and answers in words: the allocation policy edited as one row per
// category, and what fixing a year's dues did.

// policy.allocation {category: [source, ...]} -> rows in the categories' order
export function allocationRows(allocation = {}, categories = []) {
  return categories.map(({ code, label }) => ({ category: code, label, sources: [...(allocation?.[code] || [])] }))
}

// the policy form -> PUT /funding/policy's body: the allocation, and the settings given
export function policyBody(form) {
  const body = { allocation: Object.fromEntries(form.rows.map((row) => [row.category, [...row.sources]])) }
  for (const name of ['dues_rebate_ratio', 'subsidy_amount', 'subsidy_yearly_cap', 'note']) {
    const value = String(form[name] ?? '').trim()
    if (value) body[name] = value
  }
  if (form.subsidy_min_age !== '' && form.subsidy_min_age !== null && form.subsidy_min_age !== undefined) body.subsidy_min_age = Number(form.subsidy_min_age)
  if (typeof form.separation_of_duties === 'boolean') body.separation_of_duties = form.separation_of_duties
  return body
}

// POST /funding/dues/rates's answer -> lines for the office (names: member id -> name)
export function duesFixedLines(answer, nameOf = (id) => `党员 ${id}`) {
  if (!answer) return []
  const lines = [`${answer.year}年：本次核定 ${answer.fixed} 人${answer.already_fixed ? `，此前已核定 ${answer.already_fixed} 人` : ''}。`]
  if (answer.without_pension?.length) {
    lines.push(`没有养老金数额、未能核定的 ${answer.without_pension.length} 人：${answer.without_pension.map(nameOf).join('、')}（请先在名册中补上每月养老金）。`)
  }
  if (answer.joined_during_year?.length) {
    lines.push(`年中入册、从入册当月起缴的 ${answer.joined_during_year.length} 人：${answer.joined_during_year.map((j) => `${nameOf(j.member_id)}（${j.from_month}月起）`).join('、')}。`)
  }
  if (answer.registered_after_year?.length) {
    lines.push(`在${answer.year}年以后才入册、本年不需缴的 ${answer.registered_after_year.length} 人：${answer.registered_after_year.map(nameOf).join('、')}。`)
  }
  return lines
}

// arrears' months [{month, amount}] -> "3月、4月"
export const monthsText = (months = []) => months.map((m) => `${m.month}月`).join('、')
