// A festival batch's preview (POST /festival-batches with dry_run) and its result, in words.
import { chinese } from './text.js'

// {甲: 2, 乙: 1} -> [{ who: '甲', count: 2 }, ...], most tasks first
export function byAssignee(assignees = {}) {
  return Object.entries(assignees || {}).map(([who, count]) => ({ who: chinese(who), count }))
    .sort((a, b) => b.count - a.count || (a.who < b.who ? -1 : 1))
}

// the preview's answer -> one sentence for the office
export function previewText(preview) {
  if (!preview) return ''
  if (!preview.selected) return '按这条规则，没有选中任何党员。'
  const already = preview.selected - preview.to_create
  const head = `按这条规则选中 ${preview.selected} 位党员`
  if (!preview.to_create) return `${head}，都已有本次慰问的走访任务，不会再生成。`
  return `${head}，将为其中 ${preview.to_create} 位生成走访任务${already ? `（另有 ${already} 位已有任务，不再重复）` : ''}。`
}

// the batch's answer -> one sentence
export function resultText(result) {
  if (!result) return ''
  if (!result.created) return '没有生成新的走访任务（选中的党员都已有任务）。'
  return `已生成 ${result.created} 项走访任务。`
}

// whom a policy selects, in words: "年满80岁，或独居，或生活困难" (the flags named as the
// pairing reasons name them: label('pairing_reason', 'lives_alone') -> 独居)
export const FLAGS = ['lives_alone', 'hardship', 'children_away']
export function ruleText(policy, label = (list, code) => code) {
  if (!policy) return ''
  const parts = []
  if (policy.min_age !== null && policy.min_age !== undefined) parts.push(`年满${policy.min_age}岁`)
  for (const flag of FLAGS) if (policy[flag]) parts.push(label('pairing_reason', flag))
  return parts.length ? parts.join('，或') : '不选任何人'
}
