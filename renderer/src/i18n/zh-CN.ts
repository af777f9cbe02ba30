// 简体中文。键必须与 en.ts 完全一致（由类型检查保证）。
import type { en } from './en'

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> }

export const zhCN: Strings<typeof en> = {
  app: {
    title: 'NormLab',
    tagline: '为什么批归一化在循环网络中失灵，而层归一化有效',
  },
  nav: { runs: '运行记录', newExperiment: '新建实验', compare: '对比', settings: '设置' },
  language: { label: '语言', en: 'English', zh: '简体中文' },
  backend: {
    initializing: '正在启动计算后端…',
    label: '后端',
    webglVersion: 'WebGL {{version}}',
    float32Yes: '支持 float32 纹理',
    float32No: '不支持 float32 纹理（16 位浮点：结果可能有偏差）',
    gpu: 'GPU',
    unknownGpu: '未知 GPU',
    fallback: 'WebGL 不可用（{{reason}}）；改用 {{backend}}，速度较慢。',
    failed: '没有可用的计算后端：{{reason}}',
  },
  runs: {
    title: '运行记录',
    emptyTitle: '还没有运行记录',
    emptyBody: '你训练的每个实验都会离线保存在这里，方便之后对比和回顾。',
    loading: '正在加载运行记录…',
    loadError: '无法加载运行记录：{{message}}',
    count_one: '{{count}} 次运行',
    count_other: '{{count}} 次运行',
    columns: {
      id: '#',
      name: '名称',
      status: '状态',
      task: '任务',
      cell: '单元',
      norm: '归一化',
      batch: '批大小',
      seed: '随机种子',
      created: '创建时间',
      tags: '标签',
    },
    starred: '已加星标',
  },
  status: {
    queued: '排队中',
    running: '运行中',
    completed: '已完成',
    failed: '失败',
    interrupted: '已中断',
    diverged: '已发散',
  },
  norm: {
    none: '无归一化',
    bn_step: '逐时间步 BN',
    bn_seq: '序列级 BN',
    ln: '层归一化',
    gn: '组归一化',
  },
  newExperiment: {
    title: '新建实验',
    body: '设计一个实验：选择任务、循环单元、要并排比较的归一化方法、批大小和随机种子。每种组合都会成为同一研究中的一次运行。',
    pending: '此版本安装训练引擎后即可使用实验设计器。',
  },
  compare: {
    title: '对比',
    body: '在运行记录中选择多次运行，叠加比较它们的曲线和逐时间步统计量。',
    pending: '当存在记录了统计量的运行时，即可打开对比图表。',
  },
  settings: {
    title: '设置',
    archive: '存档',
    archivePath: '存档文件',
    schemaVersion: '数据库结构版本',
    appVersion: 'NormLab 版本',
    transport: '连接方式',
    transportIpc: 'Electron（IPC）',
    transportHttp: 'Web 模式（127.0.0.1 上的 HTTP）',
    compute: '计算',
  },
}
