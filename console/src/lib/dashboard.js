// What the dashboard draws, from the API's answers: plain functions, tested on their own.

// balances answer -> the chart's option: budget, spent and balance of each source
export function balancesChart(balances, label) {
  const codes = Object.keys(balances?.sources || {})
  const series = [['budget', '预算'], ['spent', '已支出'], ['balance', '余额']].map(([key, name]) => ({
    name, type: 'bar', data: codes.map((code) => Number(balances.sources[code][key] || 0)),
  }))
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 70, right: 16, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: codes.map((code) => label('funding_source', code)) },
    yAxis: { type: 'value', name: '元' },
    series,
  }
}

// study-compliance answers of each branch -> how many branches held study, month by month
export function studyChart(compliances, year) {
  const months = Array.from({ length: 12 }, (_, i) => i + 1)
  const count = (status) => months.map((m) => compliances.filter((c) => c.months.find((x) => x.month === m)?.status === status).length)
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 16, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: months.map((m) => `${m}月`), name: `${year}年` },
    yAxis: { type: 'value', name: '支部数', minInterval: 1 },
    series: [
      { name: '已学习', type: 'bar', stack: 'm', data: count('held'), itemStyle: { color: '#2e7d32' } },
      { name: '缺学习', type: 'bar', stack: 'm', data: count('missing'), itemStyle: { color: '#c62828' } },
    ],
  }
}

// the scorecard answer -> one line per missing item, worst branch first
export function missingItems(scorecard) {
  const lines = []
  const branches = [...(scorecard?.branches || [])].sort((a, b) => a.score - b.score)
  for (const branch of branches) {
    for (const item of branch.items) {
      if (!item.met) lines.push({ branch: branch.name, branchId: branch.branch_id, title: item.title, missing: item.missing })
    }
  }
  return lines
}
