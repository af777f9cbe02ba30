// What the findings say, in English and 简体中文: the claim, what is measured (and why that
// measure), and the result with its numbers. One owner for the app, the report and the CLI.
import type { FindingId, MissingReason } from './types'
import type { Verdict } from './verdict'

export type ReportLanguage = 'en' | 'zh-CN'

interface FindingText {
  claim: string
  measure: string
  result: string
}

type Texts = {
  verdict: Record<Verdict, string>
  findings: Record<FindingId, FindingText>
  notApplicable: string
  reasons: Record<MissingReason, string>
  runThePreset: string
  seeds: string
  /** The uncertainty of a result: its interval over seeds, or that one seed has none. */
  interval: string
  oneSeed: string
  columns: Record<string, string>
}

const en: Texts = {
  verdict: {
    reproduced: 'reproduced',
    not_reproduced: 'not reproduced',
    inconclusive: 'inconclusive',
    indicative: 'indicative (one seed)',
    not_applicable: 'not applicable',
  },
  findings: {
    perStepDrift: {
      claim: 'Time steps have different distributions, which is why BN keeps statistics per step',
      measure:
        'How far the batch mean of the recurrent term h·Wh moves across time steps, in units of its within-step standard deviation (at steps with at least half the batch valid, over the last quarter of training). It counts from 0.1.',
      result: 'The mean of h·Wh drifts by {{drift}} within-step standard deviations across time steps ({{norm}} runs, {{uncertainty}}).',
    },
    lateSteps: {
      claim: 'With variable lengths, BN’s late time steps have few valid samples; LN’s statistics never do',
      measure:
        'Per BN run, averaged over the last quarter of training: the first time step whose statistics come from 2 samples or fewer, the share of time steps with fewer than 4, and the population variance at those steps against the well-fed ones. It counts from a 5 % share.',
      result:
        'BN: from time step {{firstFew}} on, statistics come from 2 samples or fewer; {{share}} % of time steps have fewer than 4; their running variance is {{inflation}}× that of well-fed steps. LN’s statistics average {{lnValues}} values at every step.',
    },
    longerTest: {
      claim: 'BN generalizes worse than LN to test sequences longer than any training one',
      measure:
        'The growth of the held-out loss from the trained length ({{trained}}) to the longest tested ({{longest}}), BN’s minus LN’s, in absolute loss, paired by seed. Absolute, because a ratio explodes when LN’s loss at the trained length is near zero. It counts from 10 % of the loss at the trained length.',
      result:
        'BN (policy “{{policy}}”): {{bnAt1}} → {{bnAtLongest}}; LN: {{lnAt1}} → {{lnAtLongest}}. BN’s loss grows {{excess}} more than LN’s ({{uncertainty}}).',
    },
    smallBatch: {
      claim: 'BN degrades with small batches; LN and GN do not',
      measure:
        'The rise of the held-out loss from batch {{large}} to batch {{small}}, BN’s minus {{other}}’s, at equal samples seen ({{samples}} samples each), paired by seed. It counts from 10 % of the loss at batch {{large}}.',
      result:
        'BN: {{bnLarge}} at batch {{large}} → {{bnSmall}} at batch {{small}}; {{other}}: {{otherLarge}} → {{otherSmall}}. BN’s loss rises {{excess}} more ({{uncertainty}}).',
    },
    padding: {
      claim: 'Padding without a mask biases BN’s statistics toward the padding value; masking fixes it',
      measure:
        'BN’s batch variance of the input term at late time steps (where the masked run had padding), with padding counted as data against masked, paired by seed: the relative shrink. It counts from 10 %.',
      result:
        'Counting the padding shrinks the late-step variance by {{shrink}} % ({{uncertaintyPercent}}) and pulls the mean toward zero ({{meanRatio}}× the masked one). Held-out loss: masked {{maskLoss}}, padded {{padLoss}}, truncated {{truncateLoss}}; truncation dropped {{dropped}} % of the tokens.',
    },
    allNorms: {
      claim: 'LN trains to a lower held-out loss than per-step BN here',
      measure: 'The final held-out loss, BN’s minus LN’s, paired by seed, among runs alike but for the norm. It counts from 5 % of the loss.',
      result: 'LN ends {{difference}} lower than per-step BN ({{uncertainty}}). The table shows all {{norms}} norms.',
    },
  },
  notApplicable: 'Not applicable: {{reason}}.',
  reasons: {
    noStats: 'no run recorded per-timestep statistics',
    noBnStats: 'no per-step BN run recorded its statistics',
    needBnLnEvaluated: 'it needs per-step BN and LN runs, alike otherwise, evaluated past their training length',
    trainedLengthOnly: 'the runs were evaluated at their training length only',
    bnNoLongEval: 'the BN runs have no evaluations past their training length',
    needBatchSizes: 'it needs per-step BN and LN (or GN) runs, alike otherwise, at two or more batch sizes',
    unequalSamples: 'the runs saw different numbers of samples ({{seen}}), so a small batch would also mean less data, which hurts every norm; compare at equal samples seen',
    needMaskPad: 'it needs per-step BN runs with and without a mask, alike otherwise',
    noRuns: 'there are no runs',
    confounded: 'the per-step BN and LN runs differ in {{settings}} as well, which would confound the comparison',
    needBnLn: 'it needs per-step BN and LN runs, alike otherwise',
  },
  runThePreset: 'The preset “{{preset}}” runs a study that answers it.',
  seeds: 'seeds',
  interval: '95 % interval {{low}} … {{high}}{{unit}} over {{seeds}} seeds',
  oneSeed: 'one seed: no spread to judge it against',
  columns: {
    norm: 'norm',
    driftH: 'drift of h·Wh',
    sd: 'sd',
    driftC: 'drift of c',
    runs: 'runs',
    run: 'run',
    seed: 'seed',
    firstFew: 'first step ≤ 2 samples',
    shareBelow4: 'share < 4 samples',
    inflation: 'variance inflation',
    policy: 'model · policy',
    at1: 'loss at trained length',
    atLongest: 'loss at longest',
    growth: 'growth',
    excess: 'beyond LN',
    interval: '95 % interval',
    verdict: 'verdict',
    rise: 'rise (small − large)',
    ratio: 'ratio',
    batching: 'batching',
    heldOutLoss: 'held-out loss',
    final: 'final held-out loss',
    best: 'best',
    msPerStep: 'ms per step',
    diverged: 'diverged',
  },
}

const zh: Texts = {
  verdict: {
    reproduced: '复现',
    not_reproduced: '未复现',
    inconclusive: '无法判定',
    indicative: '仅供参考（单个种子）',
    not_applicable: '不适用',
  },
  findings: {
    perStepDrift: {
      claim: '不同时间步的分布不同，这正是 BN 按时间步保存统计量的原因',
      measure: '循环项 h·Wh 的批均值在各时间步之间的漂移，以步内标准差为单位（仅统计至少一半样本有效的时间步，取训练的最后四分之一）。达到 0.1 才算数。',
      result: 'h·Wh 的均值在各时间步之间漂移 {{drift}} 个步内标准差（{{norm}} 运行，{{uncertainty}}）。',
    },
    lateSteps: {
      claim: '序列长度可变时，BN 靠后的时间步只有很少的有效样本；LN 的统计量从不会这样',
      measure: '对每个 BN 运行（取训练最后四分之一的平均）：统计量来自不超过 2 个样本的第一个时间步、少于 4 个样本的时间步所占比例，以及这些时间步的总体方差相对样本充足时间步的倍数。比例达到 5% 才算数。',
      result: 'BN：从时间步 {{firstFew}} 起，统计量只来自不超过 2 个样本；{{share}}% 的时间步少于 4 个样本；这些时间步的滑动方差是样本充足时间步的 {{inflation}} 倍。LN 的统计量在每一步都平均 {{lnValues}} 个值。',
    },
    longerTest: {
      claim: '对于比训练序列更长的测试序列，BN 的泛化比 LN 差',
      measure: '留出损失从训练长度（{{trained}}）到最长测试长度（{{longest}}）的增长，BN 减去 LN，按绝对损失、按种子配对。用绝对值，是因为当 LN 在训练长度上的损失接近零时比值会失真。达到训练长度损失的 10% 才算数。',
      result: 'BN（策略“{{policy}}”）：{{bnAt1}} → {{bnAtLongest}}；LN：{{lnAt1}} → {{lnAtLongest}}。BN 的损失比 LN 多增长 {{excess}}（{{uncertainty}}）。',
    },
    smallBatch: {
      claim: 'BN 在小批量下变差；LN 和 GN 不会',
      measure: '留出损失从批大小 {{large}} 到 {{small}} 的上升，BN 减去 {{other}}，在见到相同样本数（各 {{samples}} 个）的条件下按种子配对。达到批大小 {{large}} 时损失的 10% 才算数。',
      result: 'BN：批大小 {{large}} 时 {{bnLarge}} → 批大小 {{small}} 时 {{bnSmall}}；{{other}}：{{otherLarge}} → {{otherSmall}}。BN 的损失多上升 {{excess}}（{{uncertainty}}）。',
    },
    padding: {
      claim: '不加掩码的填充会把 BN 的统计量拉向填充值；掩码可以纠正',
      measure: '在靠后的时间步（掩码运行在此有填充），输入项的 BN 批方差：把填充算作数据与使用掩码相比的相对缩小，按种子配对。达到 10% 才算数。',
      result: '把填充算作数据使靠后时间步的方差缩小 {{shrink}}%（{{uncertaintyPercent}}），并把均值拉向零（为掩码时的 {{meanRatio}} 倍）。留出损失：掩码 {{maskLoss}}，填充 {{padLoss}}，截断 {{truncateLoss}}；截断丢弃了 {{dropped}}% 的词元。',
    },
    allNorms: {
      claim: '在这里，LN 训练出的留出损失低于逐步 BN',
      measure: '最终留出损失，BN 减去 LN，按种子配对，只比较除归一化外设置相同的运行。达到损失的 5% 才算数。',
      result: 'LN 最终比逐步 BN 低 {{difference}}（{{uncertainty}}）。表中列出全部 {{norms}} 种归一化。',
    },
  },
  notApplicable: '不适用：{{reason}}。',
  reasons: {
    noStats: '没有运行记录逐时间步统计量',
    noBnStats: '没有逐步 BN 运行记录统计量',
    needBnLnEvaluated: '需要除归一化外设置相同、并在超过训练长度上评估过的逐步 BN 和 LN 运行',
    trainedLengthOnly: '这些运行只在训练长度上评估过',
    bnNoLongEval: 'BN 运行没有超过训练长度的评估',
    needBatchSizes: '需要除此之外设置相同、至少两种批大小的逐步 BN 与 LN（或 GN）运行',
    unequalSamples: '这些运行见到的样本数不同（{{seen}}），小批量同时意味着更少的数据，会损害所有归一化；应在相同样本数下比较',
    needMaskPad: '需要除此之外设置相同、分别使用和不使用掩码的逐步 BN 运行',
    noRuns: '没有运行',
    confounded: '逐步 BN 与 LN 运行在 {{settings}} 上也不同，会混淆比较',
    needBnLn: '需要除归一化外设置相同的逐步 BN 和 LN 运行',
  },
  runThePreset: '预设“{{preset}}”会运行能回答它的研究。',
  seeds: '个种子',
  interval: '{{seeds}} 个种子上的 95% 区间 {{low}} … {{high}}{{unit}}',
  oneSeed: '只有一个种子：没有可比较的波动',
  columns: {
    norm: '归一化',
    driftH: 'h·Wh 漂移',
    sd: '标准差',
    driftC: 'c 漂移',
    runs: '运行数',
    run: '运行',
    seed: '种子',
    firstFew: '首个 ≤2 样本的时间步',
    shareBelow4: '<4 样本的比例',
    inflation: '方差膨胀',
    policy: '模型 · 策略',
    at1: '训练长度上的损失',
    atLongest: '最长长度上的损失',
    growth: '增长',
    excess: '超出 LN',
    interval: '95% 区间',
    verdict: '结论',
    rise: '上升（小 − 大）',
    ratio: '比值',
    batching: '批处理方式',
    heldOutLoss: '留出损失',
    final: '最终留出损失',
    best: '最佳',
    msPerStep: '每步毫秒',
    diverged: '发散',
  },
}

const TEXTS: Record<ReportLanguage, Texts> = { en, 'zh-CN': zh }

export function findingTexts(language: ReportLanguage): Texts {
  return TEXTS[language]
}

/** Fills {{name}} placeholders; a missing number reads "—". */
export function fill(template: string, values: Record<string, number | string | null | undefined>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key]
    return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '—' : String(v)
  })
}
