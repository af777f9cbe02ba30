// Chart redraws run one per task: when training updates five charts at once, the page gets a
// chance to handle input between them instead of one long task (kept under 50 ms each).
const queue: { work: () => void; label: string }[] = []
let scheduled = false

let idleWaiters: (() => void)[] = []

function runOne(): void {
  scheduled = false
  const item = queue.shift()
  const start = performance.now()
  item?.work()
  // Visible in the browser's performance timeline (and to the end-to-end test).
  if (item) performance.measure(`normlab:chart-redraw:${item.label}`, { start, end: performance.now() })
  if (queue.length > 0) schedule()
  else {
    for (const resolve of idleWaiters) resolve()
    idleWaiters = []
  }
}

/** Resolves once every queued chart creation and redraw has run (a report waits for it before printing). */
export function whenChartsIdle(): Promise<void> {
  if (queue.length === 0 && !scheduled) return Promise.resolve()
  return new Promise((resolve) => idleWaiters.push(resolve))
}

function schedule(): void {
  if (scheduled) return
  scheduled = true
  setTimeout(runOne, 0)
}

/** Queues a redraw; returns a cancel function for a chart that unmounts first. */
export function scheduleChartWork(work: () => void, label = 'chart'): () => void {
  let cancelled = false
  queue.push({
    label,
    work: () => {
      if (!cancelled) work()
    },
  })
  schedule()
  return () => {
    cancelled = true
  }
}
